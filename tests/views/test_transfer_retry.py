"""Retry on the dashboard: POST only, a new transfer for failed/cancelled
ones, refused (409, nothing written) for the others, recorded as events."""
import pytest
from django.urls import reverse

from cloudadmin.models import Event
from storage.models import Transfer
from tests.storage_rows import make_template, make_transfer, make_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone():
    return make_zone("zone-r")


def _url(transfer):
    return reverse("storage:transfer_retry", args=[transfer.pk])


def test_retry_of_a_failed_transfer_queues_a_new_one(admin_client, zone, django_capture_on_commit_callbacks):
    failed = make_transfer(make_template(31), zone, Transfer.State.FAILED, error="boom")
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(_url(failed), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "transfers-changed"  # the table refreshes itself
    new = Transfer.objects.exclude(pk=failed.pk).get(template_id=31)
    assert (new.state, new.direction, new.zone) == (Transfer.State.QUEUED, failed.direction, zone)
    assert f"retried as transfer {new.pk}" in response.content.decode()
    assert len(callbacks) == 1  # the task is sent once the row is committed
    event = Event.objects.get(action="transfer.retry")
    assert event.username == "admin" and event.target == "T-31"
    failed.refresh_from_db()
    assert failed.state == Transfer.State.FAILED  # the old row stays as history
    # The new one is active now: retrying the old row again is refused.
    assert admin_client.post(_url(failed), HTTP_HX_REQUEST="true").status_code == 409
    assert Transfer.objects.filter(template_id=31).count() == 2


def test_retry_of_a_cancelled_transfer_without_htmx_redirects_back(admin_client, zone):
    cancelled = make_transfer(make_template(32), zone, Transfer.State.CANCELLED)
    response = admin_client.post(_url(cancelled), {"next": "/?state=cancelled"})
    assert response.status_code == 302 and response.url == "/?state=cancelled"
    assert Transfer.objects.filter(template_id=32, state=Transfer.State.QUEUED).exists()


def test_retry_refuses_a_foreign_next_url(admin_client, zone):
    failed = make_transfer(make_template(33), zone, Transfer.State.FAILED)
    response = admin_client.post(_url(failed), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("dashboard")


@pytest.mark.parametrize("state", [Transfer.State.DONE, Transfer.State.RUNNING, Transfer.State.QUEUED])
def test_retry_refused_unless_failed_or_cancelled(admin_client, zone, state):
    transfer = make_transfer(make_template(34), zone, state)
    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = admin_client.post(_url(transfer), **headers)
        assert response.status_code == 409
        assert "Only a failed or cancelled transfer can be retried." in response.content.decode()
    assert Transfer.objects.filter(template_id=34).count() == 1
    # Refusals are recorded as failed attempts, nothing else.
    assert set(Event.objects.filter(action="transfer.retry").values_list("outcome", flat=True)) == {"failure"}
    assert Event.objects.filter(action="transfer.retry").count() == 2
    assert "HX-Trigger" not in response


def test_retry_refused_while_another_copy_is_active(admin_client, zone):
    template = make_template(35)
    failed = make_transfer(template, zone, Transfer.State.FAILED)
    make_transfer(template, zone, Transfer.State.RUNNING)
    response = admin_client.post(_url(failed), HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "already queued or running" in response.content.decode()
    assert Transfer.objects.filter(template=template).count() == 2


def test_get_is_not_allowed_and_unknown_is_404(admin_client, zone):
    failed = make_transfer(make_template(36), zone, Transfer.State.FAILED)
    assert admin_client.get(_url(failed)).status_code == 405
    assert admin_client.post(reverse("storage:transfer_retry", args=[999999])).status_code == 404
    assert Transfer.objects.filter(template_id=36).count() == 1


def test_retry_of_a_row_followed_by_a_later_transfer_is_refused(admin_client, zone):
    """A stale page's Retry on an old row: refused, nothing written (the
    template may already be copied by the later transfer)."""
    template = make_template(35)
    cancelled = make_transfer(template, zone, Transfer.State.CANCELLED)
    later = make_transfer(template, zone, Transfer.State.DONE)
    response = admin_client.post(_url(cancelled), HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert f"Transfer {cancelled.pk} was already followed by transfer {later.pk}." in response.content.decode()
    assert Transfer.objects.filter(template_id=35).count() == 2
