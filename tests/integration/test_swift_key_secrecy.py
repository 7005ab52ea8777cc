"""The Swift key is in no response body, no log record, no event, and the
database holds it only encrypted."""
import logging

import pytest
from django.db import connection
from django.urls import reverse

from cloudadmin import crypto
from storage.swift import localswift
from tests.swift_setup_helpers import form_data, put_enable_swift_in_effect

pytestmark = pytest.mark.django_db

WRONG_KEY = "Wr0ng-key-that-must-stay-secret"
PAGES = ["dashboard", "events", "zones:list", "storage:swift", "global_settings"]


def test_key_never_leaves_the_server_in_clear(admin_client, local_swift, caplog):
    caplog.set_level(logging.DEBUG)  # swiftclient logs requests at DEBUG
    caplog.set_level(logging.DEBUG, logger="swiftclient")  # quiet by default (settings.LOGGING)
    put_enable_swift_in_effect()
    bodies = []
    enable = reverse("storage:enable_swift")
    bodies.append(admin_client.get(enable, HTTP_HX_REQUEST="true"))
    bodies.append(admin_client.post(enable, form_data(local_swift, key=WRONG_KEY), HTTP_HX_REQUEST="true"))
    bodies.append(admin_client.post(enable, form_data(local_swift), HTTP_HX_REQUEST="true"))
    assert bodies[-1].status_code == 200  # configured with the right key
    bodies.append(admin_client.post(enable, form_data(local_swift), HTTP_HX_REQUEST="true"))  # 409
    bodies.append(admin_client.get(enable, HTTP_HX_REQUEST="true"))
    bodies.append(admin_client.post(reverse("storage:swift_test"), HTTP_HX_REQUEST="true"))
    bodies += [admin_client.get(reverse(name)) for name in PAGES]
    bodies.append(admin_client.get(reverse("events"), {"action": "swift"}))

    assert [r.status_code for r in bodies[:6]] == [200, 400, 200, 409, 409, 200]
    for response in bodies:
        body = response.content.decode()
        assert localswift.AUTH_KEY not in body and WRONG_KEY not in body

    assert any(r.name == "swiftclient" for r in caplog.records)  # the log really was watched
    for record in caplog.records:
        text = record.getMessage()
        assert localswift.AUTH_KEY not in text and WRONG_KEY not in text

    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM storage_swiftstore")
        (stored,) = cursor.fetchone()
        cursor.execute("SELECT detail, target FROM cloudadmin_event")
        event_text = " ".join(" ".join(row) for row in cursor.fetchall())
    assert stored != localswift.AUTH_KEY and localswift.AUTH_KEY not in stored
    assert crypto.decrypt(stored) == localswift.AUTH_KEY
    assert localswift.AUTH_KEY not in event_text and WRONG_KEY not in event_text
