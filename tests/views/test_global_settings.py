import pytest
from django.urls import reverse
from django.utils.html import escape

from cloudadmin.messages import english
from cloudadmin import config
from cloudadmin.models import Event, GlobalSetting
from cloudadmin.startup import apply_pending_settings

pytestmark = pytest.mark.django_db

RESTART_NOTICE = "Restart the management server for this change to take effect"


def row_url(name):
    return reverse("global_setting", args=[name])


def test_lists_every_declared_setting_even_without_rows(admin_client):
    GlobalSetting.objects.all().delete()  # as after a transactional test's flush
    response = admin_client.get(reverse("global_settings"))
    body = response.content.decode()
    assert response.status_code == 200
    for name, definition in config.DEFINITIONS.items():
        assert name in body and escape(str(definition.description)) in body
        assert f'data-testid="default">{definition.default}<' in body
    assert "Global Settings" in body


def test_search_by_name_or_description(admin_client):
    response = admin_client.get(reverse("global_settings"), {"q": "enable.swift"})
    body = response.content.decode()
    assert "enable.swift" in body and "swift.segment.size" not in body

    response = admin_client.get(reverse("global_settings"), {"q": "in parallel"})
    body = response.content.decode()
    assert "swift.transfer.concurrency" in body and "enable.swift" not in body


def test_search_matches_the_description_shown_in_japanese(admin_client):
    response = admin_client.get(reverse("global_settings"), {"q": "並列"}, HTTP_ACCEPT_LANGUAGE="ja")
    body = response.content.decode()
    assert "swift.transfer.concurrency" in body and "enable.swift" not in body
    assert "1つのテンプレートについてSwiftへ並列にアップロードするセグメントの数。" in body
    assert "ストレージ" in body  # the category, translated


def test_edit_fragment_and_cancel(admin_client):
    response = admin_client.get(row_url("swift.sync.interval"), {"edit": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith("<tr") and 'name="value"' in body and ">Save<" in body
    assert ">Cancel<" in body and "<html" not in body

    response = admin_client.get(row_url("swift.sync.interval"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'name="value"' not in body and ">Edit<" in body and "300" in body


def test_immediate_setting_takes_effect_and_is_recorded(admin_client, admin_user):
    response = admin_client.post(row_url("swift.sync.interval"), {"value": " 600 "})
    assert response.status_code == 200
    assert config.value("swift.sync.interval") == 600
    assert GlobalSetting.objects.get(name="swift.sync.interval").pending_value is None
    event = Event.objects.get(action="setting.change")
    assert (event.user, event.target, event.outcome) == (admin_user, "swift.sync.interval", "success")
    assert "300 → 600" in event.detail

    # Saving the same value again changes nothing and records nothing.
    admin_client.post(row_url("swift.sync.interval"), {"value": "600"})
    assert Event.objects.filter(action="setting.change").count() == 1


@pytest.mark.parametrize("name,raw,message", [
    ("enable.swift", "maybe", "enable.swift must be true or false."),
    ("swift.sync.interval", "ten", "swift.sync.interval must be a whole number."),
    ("swift.transfer.concurrency", "0", "swift.transfer.concurrency must be at least 1."),
    ("swift.segment.size", "99999999999999", "swift.segment.size must be at most"),
])
def test_invalid_value_is_refused_with_message_and_nothing_written(admin_client, name, raw, message):
    before = GlobalSetting.objects.get(name=name)
    response = admin_client.post(row_url(name), {"value": raw}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'name="value"' in body  # the editor stays open
    after = GlobalSetting.objects.get(name=name)
    assert (after.value, after.pending_value) == (before.value, before.pending_value)
    assert not Event.objects.filter(action="setting.change").exists()


def test_restart_required_change_is_pending_until_restart(admin_client, settings):
    settings.RESTART_COMMAND = "docker compose restart web"
    response = admin_client.post(row_url("enable.swift"), {"value": "true"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert RESTART_NOTICE in body and "docker compose restart web" in body
    row = GlobalSetting.objects.get(name="enable.swift")
    assert (row.value, row.pending_value) == ("false", "true")
    assert config.value("enable.swift") is False
    assert "pending a management server restart" in english(Event.objects.get(action="setting.change").detail)

    # The full page shows the pending value and the notice too.
    page = admin_client.get(reverse("global_settings")).content.decode()
    assert RESTART_NOTICE in page and 'data-testid="pending-change" data-value="true">Pending: true.<' in page

    assert apply_pending_settings() == ["enable.swift"]  # the restart
    assert config.value("enable.swift") is True
    assert RESTART_NOTICE not in admin_client.get(reverse("global_settings")).content.decode()
    applied = Event.objects.get(action="setting.apply")
    assert applied.target == "enable.swift" and "false → true" in english(applied.detail)


def test_choosing_the_value_in_effect_withdraws_the_pending_change(admin_client):
    admin_client.post(row_url("enable.swift"), {"value": "true"})
    admin_client.post(row_url("enable.swift"), {"value": "false"})
    row = GlobalSetting.objects.get(name="enable.swift")
    assert (row.value, row.pending_value) == ("false", None)
    assert apply_pending_settings() == []
    assert "withdrawn" in english(Event.objects.filter(action="setting.change").first().detail)


def test_update_creates_a_missing_row_from_its_definition(admin_client):
    GlobalSetting.objects.all().delete()
    response = admin_client.post(row_url("swift.transfer.concurrency"), {"value": "8"})
    assert response.status_code == 200
    assert config.value("swift.transfer.concurrency") == 8


def test_unknown_setting_is_404(admin_client):
    assert admin_client.get(row_url("no.such.setting")).status_code == 404
    assert admin_client.post(row_url("no.such.setting"), {"value": "1"}).status_code == 404


def test_changes_need_post(admin_client):
    admin_client.get(row_url("swift.sync.interval"), {"value": "900"})
    assert config.value("swift.sync.interval") == 300


def test_showing_settings_writes_nothing(admin_client):
    GlobalSetting.objects.all().delete()  # as after a transactional test's flush
    assert admin_client.get(reverse("global_settings"), {"q": "swift"}).status_code == 200
    assert admin_client.get(row_url("enable.swift")).status_code == 200
    assert admin_client.get(row_url("enable.swift"), {"edit": "1"}).status_code == 200
    assert not GlobalSetting.objects.exists()
