"""POST /transfers/<id>/cancel/."""
import pytest
from django.urls import reverse

from cloudadmin.models import Event
from storage.models import Template, Transfer
from tests.transfer_helpers import make_zone

pytestmark = pytest.mark.django_db


def _transfer(state):
    zone, _root = make_zone(seed=False)
    template = Template.objects.create(id=78, size=10)
    return Transfer.objects.create(template=template, zone=zone, direction=Transfer.Direction.UP, state=state)


def test_cancel_of_a_queued_transfer(admin_client):
    queued = _transfer(Transfer.State.QUEUED)
    response = admin_client.post(reverse("storage:transfer_cancel", args=[queued.pk]))
    assert response.status_code == 200
    queued.refresh_from_db()
    assert queued.state == Transfer.State.CANCELLED and "admin" in queued.last_error
    assert Event.objects.filter(action="transfer.cancel", target="T-78").exists()


def test_cancel_of_a_finished_transfer_is_refused(admin_client):
    done = _transfer(Transfer.State.DONE)
    response = admin_client.post(reverse("storage:transfer_cancel", args=[done.pk]))
    assert response.status_code == 409 and "already ended" in response.content.decode()
    done.refresh_from_db()
    assert done.state == Transfer.State.DONE
