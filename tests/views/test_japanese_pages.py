"""Every page, fragment and refusal rendered in Japanese carries no English
UI string from the catalog.

Pages come from the URL resolver (tests/urlcrawl.py), so pages added later
are checked without editing this file; the fragments and refusals that only
a state or a POST shows are listed below. Data (rows, names, the restart
command) is cut out of the text first: only what the templates and the code
say must be Japanese. Messages whose translation equals the English (Swift,
URL, OK) cannot be told apart and are not looked for."""
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse

from cloudadmin import config, events
from cloudadmin.models import GlobalSetting
from storage.swift import localswift
from storage.models import SwiftStore
from tests.swift_setup_helpers import form_data, put_enable_swift_in_effect
from tests.unit.test_catalog import style_problems
from tests.urlcrawl import endpoints
from zones.models import Zone

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
PROJECT_APPS = ("cloudadmin", "zones", "storage", "api")
# Shown through a translated property, never raw: not data to cut out.
SHOWN_TRANSLATED = {(GlobalSetting, "category"), (GlobalSetting, "description")}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _pattern(msgid):
    """A regex finding the English text of `msgid` on a page: placeholders
    match anything, whitespace any whitespace, words whole."""
    text = re.sub(r"<[^>]+>", " ", msgid).strip()
    parts = [re.escape(p).replace(r"\ ", " ") for p in PLACEHOLDER.split(text)]
    body = r".+?".join(re.sub(r"\s+", r"\\s+", p) for p in parts)
    start = r"\b" if re.match(r"\w", text) else ""
    end = r"\b" if re.search(r"\w$", text) else ""
    return re.compile(start + body + end)


def english_messages():
    """(msgid, regex) of every message whose Japanese differs from the English."""
    found = []
    for entry in polib.pofile(str(CATALOG)):
        forms = [(entry.msgid, entry.msgstr)] if not entry.msgid_plural else [
            (entry.msgid, entry.msgstr_plural.get(0, "")), (entry.msgid_plural, entry.msgstr_plural.get(0, ""))]
        for english, japanese in forms:
            if english != japanese and PLACEHOLDER.sub("", english).strip(" .,:()"):
                found.append((english, _pattern(english)))
    return found


ENGLISH = english_messages()


class VisibleText(HTMLParser):
    """Text nodes and the attributes people read (labels for screen readers,
    placeholders, titles), one per line; no scripts or styles."""

    ATTRIBUTES = {"aria-label", "placeholder", "title", "alt"}

    def __init__(self):
        super().__init__()
        self.lines, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.lines.extend(value for name, value in attrs if name in self.ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.lines.append(data.strip())


def data_strings():
    """Every text value in the project's tables (and deployment settings
    shown on pages): what the templates show but do not say."""
    values = {settings.RESTART_COMMAND}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS and model._meta.label != "auth.User":
            continue
        # UUIDs too: a random one may read as English words ("ce-bbea-cfb").
        fields = [f for f in model._meta.get_fields() if isinstance(f, (models.CharField, models.TextField,
                  models.URLField, models.UUIDField)) and not f.choices and (model, f.name) not in SHOWN_TRANSLATED]
        for row in model.objects.values_list(*[f.name for f in fields]) if fields else []:
            values.update(str(v) for v in row if v)
    return sorted(values, key=len, reverse=True)


# Names that stay English in Japanese text too (as in CloudStack's UI).
TERMS = ["OpenStack Swift", "Static Large Objects", "Static Large Object", "Keystone", "tempauth",
         "template.properties"]  # a file name
# Three English words in a row: a sentence or a label nobody marked yet.
ENGLISH_WORDS = re.compile(r"[A-Za-z][a-z]+(?:[ ,'’-]+[A-Za-z][a-z]+){2,}")


DATE_TIME = re.compile(r"\d+年\d+月\d+日 \d+:\d+(?::\d+)?")


def _text_without_data(html):
    parser = VisibleText()
    parser.feed(html)
    # Dates are data too, cut first: a short data value ("4") must not split
    # "2026年12月4日 12:18:05" into a line that reads as a style fault.
    text = DATE_TIME.sub("\n", "\n".join(parser.lines))
    for value in [*data_strings(), *TERMS]:
        if value.isdigit():  # a number ("4") only on its own: not the 4 of 「12月4日」
            text = re.sub(rf"(?<!\w){value}(?!\w)", "\n", text)
        else:
            text = text.replace(value, "\n")
    return text


def english_left_on(html):
    """The catalog's English messages found on the page, and English text
    that is in no catalog at all (a string still to mark)."""
    text = _text_without_data(html)
    found = {english for english, pattern in ENGLISH if pattern.search(text)}
    found.update(f"unmarked: {words}" for words in ENGLISH_WORDS.findall(text))
    return sorted(found)


def test_the_patterns_find_english_and_skip_data():
    assert english_left_on("<p>Global Settings</p>") == ["Global Settings"]
    assert "Name or description" in english_left_on('<input placeholder="Name or description">')
    assert "Page %(number)s of %(count)s" in english_left_on("<span>Page 2 of 7</span>")
    assert english_left_on("<p>Keystone v3 Usernames</p>") == []  # whole words only
    assert english_left_on("<p>グローバル設定</p><script>Zones</script>") == []
    assert english_left_on("<p>Nobody marked this one</p>") == ["unmarked: Nobody marked this one"]
    assert style_left_on("<td>完了, 1分 前</td>") and style_left_on("<p>比較しました. 差異なし</p>")
    assert style_left_on("<p>完了、1分前</p>") == []


@pytest.fixture
def ja_client(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(admin_user)
    return client


def _pages():
    return [(name, path) for name, path, _view in endpoints() if name not in ("healthz", "logout")]


def style_left_on(html):
    """Lines of the page's own Japanese text (data cut out) that break the
    Japanese style: ASCII ", " or ". ", a space before a counter or between
    Latin and Japanese words."""
    return [(line, found) for line in _text_without_data(html).splitlines() if (found := style_problems(line))]


def _check(client, method, path, data=None, **headers):
    response = getattr(client, method)(path, data or {}, **headers)
    assert response.status_code < 500, f"{method.upper()} {path}: {response.status_code}"
    if "html" not in response.get("Content-Type", ""):
        return None
    html = response.content.decode()
    left = english_left_on(html)
    assert not left, f"{method.upper()} {path} ({response.status_code}) shows English: {left}"
    style = style_left_on(html)
    assert not style, f"{method.upper()} {path} ({response.status_code}) breaks the Japanese style: {style}"
    return html


def test_every_page_before_swift_is_configured(ja_client, local_swift):
    put_enable_swift_in_effect()
    for name, path in _pages():
        _check(ja_client, "get", path)
    dashboard = _check(ja_client, "get", reverse("dashboard"))
    assert '<html lang="ja">' in dashboard
    for japanese in ("インフラストラクチャ", "ゾーン", "グローバル設定", "ダッシュボード"):
        assert japanese in dashboard
    # The dialog, a refused form, a wrong key (Swift's answer), the settings
    # editor and its refusal, the test without a Swift, a missing setting.
    enable = reverse("storage:enable_swift")
    assert "Swiftの有効化" in _check(ja_client, "get", enable, HTTP_HX_REQUEST="true")
    _check(ja_client, "post", enable, {"url": "ftp://x", "username": ""}, HTTP_HX_REQUEST="true")
    _check(ja_client, "post", enable, form_data(local_swift, account="", username="tester"),
           HTTP_HX_REQUEST="true")
    html = _check(ja_client, "post", enable, form_data(local_swift, key="wrong"), HTTP_HX_REQUEST="true")
    assert "認証：ユーザー名またはキーが正しくありません（401）" in html
    row = reverse("global_setting", args=["swift.sync.interval"])
    _check(ja_client, "get", row + "?edit=1", HTTP_HX_REQUEST="true")
    _check(ja_client, "post", row, {"value": "ten"}, HTTP_HX_REQUEST="true")
    _check(ja_client, "post", row, {"value": "1"}, HTTP_HX_REQUEST="true")
    _check(ja_client, "post", reverse("storage:swift_test"), HTTP_HX_REQUEST="true")
    _check(ja_client, "get", reverse("global_setting", args=["no.such.setting"]))
    html = _check(ja_client, "post", enable, form_data(local_swift), HTTP_HX_REQUEST="true")
    assert "Swiftが構成されました。注、このページを閉じると、Swiftを再構成することはできません。" in html


def test_every_page_with_swift_zones_and_many_events(ja_client, admin_user, local_swift):
    put_enable_swift_in_effect()
    SwiftStore.objects.create(url=local_swift.auth_url, account="test", username="tester",
                              key=localswift.AUTH_KEY, auth_version="1.0",
                              capabilities={"version": "2.38.3", "max_file_size": 5368709122, "slo": True,
                                            "max_manifest_segments": 1000})
    Zone.objects.create(name="zone-a", network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                        hypervisor="KVM", allocation_state="Enabled")
    config.change("enable.swift", "false", user=admin_user)  # a pending change to show
    for number in range(60):  # more than a page
        events.record(sorted(events.ACTION_LABELS)[number % len(events.ACTION_LABELS)],
                      user=admin_user, target=f"target-{number}")
    for name, path in _pages():
        _check(ja_client, "get", path)
    _check(ja_client, "get", reverse("events") + "?page=2")
    _check(ja_client, "get", reverse("events") + "?outcome=failure")
    _check(ja_client, "get", reverse("storage:enable_swift"), HTTP_HX_REQUEST="true")  # 409: configured
    _check(ja_client, "post", reverse("storage:enable_swift"), form_data(local_swift), HTTP_HX_REQUEST="true")
    html = _check(ja_client, "post", reverse("storage:swift_test"), HTTP_HX_REQUEST="true")
    assert "接続に成功しました。" in html
    html = _check(ja_client, "get", reverse("storage:swift"))
    assert "5,368,709,122バイト" in html  # numbers follow the locale


def test_login_page_and_its_refusals(client, admin_user):
    html = _check(client, "get", reverse("login"), HTTP_ACCEPT_LANGUAGE="ja")
    assert "ユーザー名" in html and "パスワード" in html
    _check(client, "post", reverse("login"), {"username": "admin", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="ja")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "admin", "password": "wrong"},
                               HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 429
    assert not english_left_on(response.content.decode())
    assert "ログオンの失敗が多すぎます" in response.content.decode()


def test_register_template_pages_and_refusals(ja_client):
    from storage.models import SecondaryStorage, Template, TemplateRegistration, Transfer

    zone = Zone.objects.create(name="zone-a", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="KVM", allocation_state="Enabled")
    SecondaryStorage.objects.create(zone=zone, server="nfs.example", path="/export/a")
    _check(ja_client, "get", reverse("storage:template_register"))
    html = _check(ja_client, "post", reverse("storage:template_register"),
                  {"name": "c", "url": "file:///etc/passwd", "zone": zone.pk, "format": "qcow2",
                   "hypervisor": "KVM", "checksum": "xyz"})
    assert "http://とhttps://" in html and "16進数32桁" in html
    template = Template.objects.create(id=7, account_id=2, name="centos")
    Transfer.objects.create(template=template, zone=zone, direction=Transfer.Direction.DOWNLOAD,
                            bytes_total=1000, bytes_done=250, state=Transfer.State.RUNNING)
    TemplateRegistration.objects.create(template=template, zone=zone, url="https://example.com/c.qcow2",
                                        name="centos", format="qcow2", hypervisor="KVM", filename="x.qcow2")
    _check(ja_client, "get", reverse("storage:template_registration", args=[7]))
    _check(ja_client, "post", reverse("storage:template_registration_retry", args=[7]), HTTP_HX_REQUEST="true")
    _check(ja_client, "post", reverse("storage:template_registration_cancel", args=[7]), HTTP_HX_REQUEST="true")
    _check(ja_client, "post", reverse("storage:template_registration_retry", args=[7]), HTTP_HX_REQUEST="true")


def test_edit_and_download_template_pages_and_refusals(ja_client):
    import time

    from storage.models import Template, Transfer

    zone = Zone.objects.create(name="zone-a", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="KVM", allocation_state="Enabled")
    template = Template.objects.create(id=8, account_id=2, name="centos", filename="c.qcow2")
    Transfer.objects.create(template=template, zone=zone, direction=Transfer.Direction.PROPERTIES)
    assert "すべてのコピー" in _check(ja_client, "get", reverse("dashboard"))
    assert "OSの種類" in _check(ja_client, "get", reverse("storage:template_edit", args=[8]))
    _check(ja_client, "post", reverse("storage:template_edit", args=[8]), {"name": "", "description": "a\nb"})
    assert "抽出可能ではありません" in _check(ja_client, "get", reverse("storage:template_extract", args=[8]))
    Template.objects.filter(pk=8).update(extractable=True)
    assert "ダウンロードリンクの作成" in _check(ja_client, "get", reverse("storage:template_extract", args=[8]))
    _check(ja_client, "post", reverse("storage:template_extract", args=[8]))  # 409: not in Swift
    session = ja_client.session
    for served_by_swift in (True, False):
        session["template-download-8"] = {"url": "http://swift.example/v1/AUTH_t/T-8/c.qcow2",
                                          "expires": time.time() + 600, "swift": served_by_swift}
        session.save()
        assert "まで有効です" in _check(ja_client, "get", reverse("storage:template_extract", args=[8]))
    _check(ja_client, "get", reverse("storage:template_image", args=[8]) + "?token=x")  # 403: not valid


def test_delete_template_pages_and_refusals(ja_client):
    from storage.models import SecondaryStorage, Template, TemplateLocation, Transfer

    zone = Zone.objects.create(name="zone-a", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="KVM", allocation_state="Enabled")
    store = SecondaryStorage.objects.create(zone=zone, server="nfs.example", path="/export/a")
    template = Template.objects.create(id=5, account_id=1, name="centos", size=100)
    TemplateLocation.objects.create(template=template, zone=zone, secondary_storage=store, state="Ready",
                                    path="template/tmpl/1/5", image_size=100)
    Template.objects.create(id=9, name="bad-url")
    html = _check(ja_client, "get", reverse("storage:template_delete", args=[5]))
    assert "選択したコピーを削除" in html
    _check(ja_client, "get", reverse("storage:template_delete_many"))
    _check(ja_client, "get", reverse("storage:template_delete_many") + "?template=5&template=9")
    _check(ja_client, "post", reverse("storage:template_delete", args=[5]), {"copy": []})  # nothing ticked: 409
    busy = Transfer.objects.create(template=template, zone=zone, direction="up", state="running")
    _check(ja_client, "get", reverse("storage:template_delete", args=[5]))  # refused before the POST
    html = _check(ja_client, "post", reverse("storage:template_delete", args=[5]), {"copy": ["5:zone-%d" % zone.pk]})
    assert "転送が待機中または実行中です" in html
    Transfer.objects.filter(pk=busy.pk).update(state="done")
    _check(ja_client, "post", reverse("storage:template_delete", args=[5]), {"copy": ["5:zone-%d" % zone.pk]})
    _check(ja_client, "get", reverse("dashboard"))  # the deletion step in the transfers table
    _check(ja_client, "post", reverse("storage:template_copy", args=[5]), {"zone": zone.pk}, HTTP_HX_REQUEST="true")
    _check(ja_client, "post", reverse("storage:template_delete_many"), {"template": ["9"]})
    html = _check(ja_client, "get", reverse("storage:template", args=[9]))
    assert "すべての場所から削除されました" in html


def test_inventory_removal_pages_and_refusals(ja_client):
    from unittest import mock

    from sampledata.rows import make_full_zone, make_template, make_transfer
    from zones.models import Cluster, Host, Pod, PrimaryStorage

    zone = make_full_zone("zone-a", enabled=True)
    for kind, record in (("pod", Pod.objects.get()), ("cluster", Cluster.objects.get()),
                         ("host", Host.objects.get()), ("primary-storage", PrimaryStorage.objects.get()),
                         ("secondary-storage", zone.secondary_storages.get())):
        path = reverse("zones:record_delete", args=[kind, record.pk])
        _check(ja_client, "get", path)
        _check(ja_client, "post", path)  # each refused (409) with its reason
    html = _check(ja_client, "post", reverse("zones:delete", args=[zone.pk]))
    assert "先に無効にしてください" in html
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Disabled")
    make_transfer(make_template(5), zone)
    _check(ja_client, "post", reverse("zones:delete", args=[zone.pk]))  # busy
    store = zone.secondary_storages.get()
    _check(ja_client, "post", reverse("zones:record_delete", args=["secondary-storage", store.pk]))
    add = reverse("zones:secondary_storage_add", args=[zone.pk])
    for status in ("failed", "pending"):
        with mock.patch("zones.hooks.check_share_now",
                        return_value={"status": status, "message": "", "templates": 0}):
            _check(ja_client, "post", add, {"nfs_server": "127.0.0.1", "path": "/export/b"})
    _check(ja_client, "post", add, {"nfs_server": "", "path": "x"})
    html = _check(ja_client, "post", reverse("zones:record_delete", args=["pod", Pod.objects.get().pk]))
    assert "クラスター" in html
