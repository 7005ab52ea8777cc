"""POST /transfers/<id>/retry/."""
import pytest
from django.urls import reverse

from storage.models import Template, Transfer
from tests.transfer_helpers import make_zone

pytestmark = pytest.mark.django_db


def _transfer(state):
    zone, _root = make_zone(seed=False)
    template = Template.objects.create(id=77, size=10)
    return Transfer.objects.create(template=template, zone=zone, direction=Transfer.Direction.UP, state=state,
                                   last_error="boom")


def test_retry_of_a_failed_transfer_queues_a_new_one(admin_client):
    failed = _transfer(Transfer.State.FAILED)
    response = admin_client.post(reverse("storage:transfer_retry", args=[failed.pk]))
    assert response.status_code == 200
    new = Transfer.objects.exclude(pk=failed.pk).get()
    assert new.state == Transfer.State.QUEUED and new.requested_by == "admin"
    assert f"#{new.pk}" in response.content.decode()
    # that one is active now: a second retry of the old row is refused
    assert admin_client.post(reverse("storage:transfer_retry", args=[failed.pk])).status_code == 409


def test_retry_of_a_running_transfer_is_refused(admin_client):
    running = _transfer(Transfer.State.RUNNING)
    response = admin_client.post(reverse("storage:transfer_retry", args=[running.pk]))
    assert response.status_code == 409 and "Only a failed or cancelled" in response.content.decode()
    assert Transfer.objects.count() == 1
