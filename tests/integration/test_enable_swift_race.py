"""Two Enable Swift saves at once: the database's singleton constraint lets
exactly one through, and the other becomes the clear 409 refusal."""
import threading
import time

import pytest
from django.db import connection, connections, transaction

from cloudadmin.messages import english
from cloudadmin.models import Event
from zones import swift_first
from storage.swift import localswift, client as swift, swift_setup
from storage.models import SwiftStore
from tests.swift_setup_helpers import put_enable_swift_in_effect

pytestmark = pytest.mark.django_db(transaction=True)


def other_admin_saving(inserted, release, done):
    """Insert the store in a transaction left open until `release`."""
    try:
        with transaction.atomic():
            SwiftStore.objects.create(url="http://first/auth/v1.0", username="u", key="k", auth_version="1.0")
            inserted.set()
            release.wait(60)
    finally:
        connections.close_all()
        done.set()


def waiting_on_a_lock(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'", [pid])
        return cursor.fetchone()[0] > 0


def test_concurrent_second_insert_is_refused_by_the_database(local_swift):
    put_enable_swift_in_effect()
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()
    threading.Thread(target=other_admin_saving, args=(inserted, release, done), daemon=True).start()
    assert inserted.wait(30)  # its row is not committed: every state check still passes

    outcome = {}

    def configure():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            creds = swift.Credentials(url=local_swift.auth_url, account="test", username="tester",
                                      key=localswift.AUTH_KEY)
            outcome["store"] = swift_setup.configure(creds)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc
        finally:
            connections.close_all()

    second = threading.Thread(target=configure, daemon=True)
    second.start()
    # Let the first commit only once the second is blocked on the unique index.
    deadline = time.monotonic() + 60
    while not ("pid" in outcome and waiting_on_a_lock(outcome["pid"])):
        assert second.is_alive() and time.monotonic() < deadline, outcome
        time.sleep(0.05)
    release.set()
    second.join(60)
    assert done.wait(30)

    assert isinstance(outcome.get("error"), swift_setup.NotAllowed), outcome
    assert str(outcome["error"]) == swift_first.ALREADY_CONFIGURED
    assert list(SwiftStore.objects.values_list("url", flat=True)) == ["http://first/auth/v1.0"]
    event = Event.objects.get(action="swift.enable")
    assert (event.outcome, english(event.detail)) == ("failure", swift_first.ALREADY_CONFIGURED)
