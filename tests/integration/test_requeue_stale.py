"""requeue_stale on PostgreSQL: which rows it takes, and that a requeued
transfer can be run only once. The test's transaction is rolled back, so
the tasks it enqueues on commit are never sent."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.failures import TransferStopped
from storage.transfers import lifecycle, queueing as transfers
from storage.transfers.progress import Progress
from storage.models import Template, Transfer
from zones.models import Zone

pytestmark = pytest.mark.django_db


def zone():
    return Zone.objects.create(name=f"z-{uuid.uuid4().hex[:6]}", network_type=Zone.NetworkType.BASIC,
                               dns1="8.8.8.8", internal_dns1="10.0.0.1", hypervisor=Zone.Hypervisor.KVM)


def running(template_id, z, *, age, state=Transfer.State.RUNNING, heartbeat=True):
    beat = timezone.now() - age
    transfer = Transfer.objects.create(
        template=Template.objects.create(id=template_id), direction=Transfer.Direction.UP, zone=z,
        state=state, claim=uuid.uuid4(), worker="w@old", heartbeat=beat if heartbeat else None, attempts=1,
        bytes_total=100, bytes_done=40)
    if not heartbeat:  # never sent one: its last update counts
        Transfer.objects.filter(pk=transfer.pk).update(updated=beat)
    return transfer


def test_only_running_or_verifying_rows_past_the_threshold_are_taken(settings):
    settings.TRANSFER_STALE_SECONDS = 120
    z = zone()
    old = running(1, z, age=timedelta(minutes=10))
    verifying = running(2, z, age=timedelta(minutes=10), state=Transfer.State.VERIFYING)
    silent = running(3, z, age=timedelta(minutes=10), heartbeat=False)
    fresh = running(4, z, age=timedelta(seconds=30))
    queued = Transfer.objects.create(template=Template.objects.create(id=5), direction=Transfer.Direction.UP,
                                     zone=z)
    done = running(6, z, age=timedelta(hours=1), state=Transfer.State.DONE)

    assert {t.pk for t in transfers.stale_transfers(timedelta(seconds=20))} == {
        old.pk, verifying.pk, silent.pk, fresh.pk}
    taken = transfers.requeue_stale()  # the periodic task's default threshold

    assert {t.pk for t in taken} == {old.pk, verifying.pk, silent.pk}
    for row in Transfer.objects.filter(pk__in=[old.pk, verifying.pk, silent.pk]):
        assert (row.state, row.claim, row.rate) == (Transfer.State.QUEUED, None, 0)
        assert "stopped sending heartbeats" in english(row.last_error)
        assert row.bytes_done == 40 and row.attempts == 1  # history kept; the next claim counts
    assert Transfer.objects.get(pk=fresh.pk).state == Transfer.State.RUNNING
    assert Transfer.objects.get(pk=queued.pk).state == Transfer.State.QUEUED
    assert Transfer.objects.get(pk=done.pk).state == Transfer.State.DONE
    events = Event.objects.filter(action="transfer.requeue")
    assert sorted(events.values_list("target", flat=True)) == ["T-1", "T-2", "T-3"]
    assert set(events.values_list("username", flat=True)) == {"system"}
    assert transfers.requeue_stale() == []  # nothing left


def test_a_requeued_row_is_claimed_once_and_the_old_worker_is_locked_out():
    old = running(11, zone(), age=timedelta(minutes=10))
    old_claim = old.claim
    [requeued] = transfers.requeue_stale(timedelta(minutes=5), username="ops")
    assert requeued.pk == old.pk and requeued.claim == old_claim  # the row as it was

    # The old worker, were it only slow, finds the row no longer its own.
    with pytest.raises(TransferStopped):
        Progress(old, old_claim).write(force=True)

    first = lifecycle.claim(old.pk, "w@new")
    assert first is not None
    second = lifecycle.claim(old.pk, "w@other")  # a duplicate delivery
    assert second is None
    row = Transfer.objects.get(pk=old.pk)
    assert (row.state, row.worker, row.attempts, row.claim) == (Transfer.State.RUNNING, "w@new", 2, first[1])
    assert transfers.requeue_stale(timedelta(minutes=5)) == []  # its heartbeat is fresh now
