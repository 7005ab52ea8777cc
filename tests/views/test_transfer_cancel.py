"""Cancel on the dashboard: queued or running transfers only."""
import pytest
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.models import Transfer
from tests.storage_rows import make_template, make_transfer, make_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone():
    return make_zone("zone-c")


def _url(transfer):
    return reverse("storage:transfer_cancel", args=[transfer.pk])


@pytest.mark.parametrize("state", [Transfer.State.QUEUED, Transfer.State.RUNNING, Transfer.State.VERIFYING])
def test_cancel_an_active_transfer(admin_client, zone, state):
    transfer = make_transfer(make_template(41), zone, state)
    response = admin_client.post(_url(transfer), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == "transfers-changed"
    assert f"Transfer {transfer.pk} is cancelled." in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.CANCELLED and "admin" in transfer.last_error
    assert Event.objects.filter(action="transfer.cancel", target="T-41", username="admin").exists()


def test_cancel_without_htmx_redirects_with_a_message(admin_client, zone):
    transfer = make_transfer(make_template(42), zone, Transfer.State.QUEUED)
    response = admin_client.post(_url(transfer), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert f"Transfer {transfer.pk} is cancelled." in response.content.decode()


@pytest.mark.parametrize("state", [Transfer.State.DONE, Transfer.State.FAILED, Transfer.State.CANCELLED])
def test_cancel_refused_on_a_finished_transfer(admin_client, zone, state):
    transfer = make_transfer(make_template(43), zone, state, error="earlier")
    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = admin_client.post(_url(transfer), **headers)
        assert response.status_code == 409
        assert "This transfer has already ended." in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == state and transfer.last_error == "earlier"
    refusals = Event.objects.filter(action="transfer.cancel")
    assert refusals.count() == 2 and {e.outcome for e in refusals} == {"failure"}
    assert english(refusals.first().detail) == "This transfer has already ended."


def test_get_is_not_allowed(admin_client, zone):
    transfer = make_transfer(make_template(44), zone, Transfer.State.QUEUED)
    assert admin_client.get(_url(transfer)).status_code == 405
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.QUEUED
