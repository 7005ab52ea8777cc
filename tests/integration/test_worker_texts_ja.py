"""What a real worker writes (a failed transfer's reason, its events, the
zone scan's counts) is stored coded and shown in the reader's language:
a Japanese page shows it in Japanese, with no English message of the
catalog left (tests/views/test_japanese_pages.py's checks), and the
CloudStack API answers it in English."""
import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from cloudadmin.messages import english
from storage.secondary import demo
from storage.models import Transfer
from tests.transfer_helpers import add_template, enable_zone, make_swift_store, make_zone, wait_transfer
from tests.views.test_japanese_pages import english_left_on, style_left_on

pytestmark = pytest.mark.django_db(transaction=True)


def _japanese_page(client, path, *, all_text=True):
    """The page, checked for English messages of the catalog (all_text) and
    for the Japanese style; always without the worker's English words."""
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert "checksum mismatch" not in html and "gave up" not in html and "ready, " not in html, path
    if all_text:
        assert not english_left_on(html), (path, english_left_on(html))
    assert not style_left_on(html), (path, style_left_on(html))
    return html


def test_a_failed_transfer_and_its_events_read_in_japanese(local_swift, celery_worker, admin_user):
    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    image = demo.image_bytes(62, 200_000)
    add_template(root, 62, image, checksum="0" * 32)
    enable_zone(zone)
    transfer = wait_transfer(62)
    assert transfer.state == Transfer.State.FAILED
    # Stored as a code and its parameters, not as English words.
    assert transfer.last_error.startswith('{"msgid": "checksum mismatch')
    assert english(transfer.last_error).startswith(f"checksum mismatch: template.properties says {'0' * 32}, ")

    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(admin_user)
    md5 = hashlib.md5(image).hexdigest()
    reason = f"チェックサムが一致しません：template.propertiesでは{'0' * 32}ですが、イメージのMD5は{md5}です"
    assert reason in _japanese_page(client, reverse("dashboard"))
    # The template page also lists template.properties, keys such as "checksum" and "size": data.
    assert reason in _japanese_page(client, reverse("storage:template", args=[62]), all_text=False)
    events = _japanese_page(client, reverse("events"))
    assert reason in events  # the transfer.fail event's detail
    assert "ワーカー" in events  # who: the worker, in Japanese
    assert "準備完了1個、無効0個、キューに登録したアップロード1個" in events  # the zone scan's counts

    english_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    english_client.force_login(admin_user)
    assert "checksum mismatch: template.properties says" in english_client.get(reverse("events")).content.decode()
