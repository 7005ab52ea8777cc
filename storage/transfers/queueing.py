"""Service functions on Transfer rows, for the UI, the API and the scanner.

Every state change from outside a run goes through here (a run's own
changes are storage.transfers.lifecycle's), so
that enqueueing happens on commit and every change records an event.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cloudadmin import events, messages
from cloudadmin.messages import coded
from storage import dispatch
from storage.models import Template, TemplateExclusion, Transfer

logger = logging.getLogger(__name__)
ACTIVE = Transfer.ACTIVE_STATES


class TransferRefused(messages.CodedError):
    """The requested change is not possible now; the message says why: a
    coded message (cloudadmin.messages), shown in the reader's language and
    kept coded in an event's detail."""


class DeletedThere(TransferRefused):
    """The template was deleted (everywhere, or from this zone): no copy of it
    starts until Copy to zone undoes that (storage.transfers.deletion)."""


COPIES = (Transfer.Direction.UP, Transfer.Direction.DOWN, Transfer.Direction.DOWNLOAD)


def _check_not_deleted(template: Template, direction: str, zone) -> None:
    """Refuse a copy of a deleted template, or to or from a zone it was
    deleted from. The row lock orders this with a deletion being requested."""
    if direction not in COPIES:
        return
    # Locked whatever its state (a filtered lock would skip the row a deletion is changing).
    deleted = Template.objects.select_for_update().filter(pk=template.pk).values_list("deleted", flat=True).first()
    if deleted is not None:
        raise DeletedThere(coded("Template %(id)s was deleted.", id=template.pk))
    if zone is not None and TemplateExclusion.objects.filter(template=template, zone=zone).exists():
        raise DeletedThere(coded("Template %(id)s was deleted from zone %(zone)s; Copy to zone brings it back.",
                                 id=template.pk, zone=zone.name))


def transfer_queue() -> str:
    return settings.TRANSFER_QUEUE


def enqueue(transfer_id: int, *, countdown: float = 0) -> None:
    """Send the task for a queued row once the current transaction commits."""
    def send():
        dispatch.task("transfer_run").apply_async((transfer_id,), countdown=countdown or None, queue=transfer_queue())

    transaction.on_commit(send)


def _create(template: Template, direction: str, zone, *, user=None, source_size=None, source_mtime=None):
    try:
        with transaction.atomic():
            _check_not_deleted(template, direction, zone)
            transfer = Transfer.objects.create(
                template=template, direction=direction, zone=zone, requested_by=events.username_of(user),
                bytes_total=source_size or template.size or 0,
                source_size=source_size, source_mtime=source_mtime)
    except IntegrityError:
        return None  # one is already active for this template (and zone)
    enqueue(transfer.pk)
    return transfer


def enqueue_upload(template: Template, zone, *, user=None, source_size=None, source_mtime=None) -> Transfer | None:
    """Queue a copy of `template` from `zone`'s NFS to Swift. None when an
    upload of it is already queued or running."""
    with transaction.atomic():
        try:
            transfer = _create(template, Transfer.Direction.UP, zone, user=user,
                               source_size=source_size, source_mtime=source_mtime)
        except DeletedThere:
            return None
        if transfer is not None:
            events.record("transfer.queue", user=user, target=f"T-{template.pk}",
                          detail=coded("upload from zone %(zone)s", zone=zone.name))
    return transfer


def enqueue_copy_down(template: Template, zone, *, user=None) -> Transfer:
    """Queue a copy of `template` from Swift to `zone`'s NFS secondary
    storage. Raises TransferRefused when it is not in Swift or a copy to that
    zone is already active."""
    if template.swift_state != Template.SwiftState.STORED:
        raise TransferRefused(coded("Template %(id)s is not in Swift yet.", id=template.pk))
    with transaction.atomic():
        transfer = _create(template, Transfer.Direction.DOWN, zone, user=user, source_size=template.swift_size)
        if transfer is None:
            raise TransferRefused(coded("A copy of template %(id)s to this zone is already queued or running.",
                                        id=template.pk))
        events.record("transfer.queue", user=user, target=f"T-{template.pk}",
                      detail=coded("copy down to zone %(zone)s", zone=zone.name))
    return transfer


def enqueue_url_download(template: Template, zone, *, user=None) -> Transfer:
    """Queue the download of a registered template from its URL into
    `zone`'s NFS secondary storage (storage.transfers.downloads). Raises
    TransferRefused when one is already queued or running."""
    transfer = _create(template, Transfer.Direction.DOWNLOAD, zone, user=user)
    if transfer is None:
        raise TransferRefused(coded("A download of template %(id)s is already queued or running.", id=template.pk))
    events.record("transfer.queue", user=user, target=f"T-{template.pk}",
                  detail=coded("download to zone %(zone)s", zone=zone.name))
    return transfer


def enqueue_properties_update(template: Template, zone, *, user=None) -> Transfer | None:
    """Queue the rewrite of template.properties on every copy after an edit
    (storage.transfers.properties_update). None when one is already queued
    or running: it reads the row's values when it runs, and again at its end."""
    with transaction.atomic():
        transfer = _create(template, Transfer.Direction.PROPERTIES, zone, user=user, source_size=1)
        if transfer is not None:
            events.record("transfer.queue", user=user, target=f"T-{template.pk}",
                          detail=coded("template.properties update on every copy"))
    return transfer


def enqueue_delete(template: Template, direction: str, zone, *, user=None) -> Transfer:
    """Queue one step of a template's deletion (storage.transfers.deletion
    decides which); TransferRefused when the same step is already active."""
    transfer = _create(template, direction, zone, user=user, source_size=0)
    if transfer is None:
        raise TransferRefused(coded("A deletion of template %(id)s is already queued or running.", id=template.pk))
    events.record("transfer.queue", user=user, target=f"T-{template.pk}",
                  detail=coded("delete from zone %(zone)s", zone=zone.name) if zone is not None
                  else coded("delete from Swift"))
    return transfer


def start_pushed(template: Template, zone, *, user=None, bytes_total: int = 0) -> Transfer:
    """A transfer whose bytes a client pushes (direction BROWSER): created
    running, with no claim; each request that writes takes the claim
    (storage.catalog.uploads), and its heartbeat is the last write. No task
    runs it, so it is never requeued: when abandoned it expires."""
    now = timezone.now()
    transfer = Transfer.objects.create(
        template=template, direction=Transfer.Direction.BROWSER, zone=zone, state=Transfer.State.RUNNING,
        requested_by=events.username_of(user), bytes_total=bytes_total, started=now, heartbeat=now, attempts=1)
    events.record("transfer.queue", user=user, target=f"T-{template.pk}",
                  detail=coded("upload from the browser to zone %(zone)s", zone=zone.name))
    return transfer


def retry(transfer: Transfer, *, user=None) -> Transfer:
    """A new transfer of the same template, direction and zone as a failed or
    cancelled one (the old row stays as history). It reuses the segments
    already in Swift. Raises TransferRefused otherwise."""
    if transfer.state not in (Transfer.State.FAILED, Transfer.State.CANCELLED):
        raise TransferRefused(coded("Only a failed or cancelled transfer can be retried."))
    if transfer.direction == Transfer.Direction.BROWSER:
        raise TransferRefused(coded("An upload from the browser is resumed from the browser: upload the file again."))
    later = Transfer.objects.filter(template_id=transfer.template_id, zone_id=transfer.zone_id,
                                    direction=transfer.direction, pk__gt=transfer.pk).exclude(
        state__in=ACTIVE).order_by("pk").first()
    if later is not None:  # the page was stale: retry the latest one, if anything
        raise TransferRefused(coded("Transfer %(old)s was already followed by transfer %(new)s.",
                                    old=transfer.pk, new=later.pk))
    with transaction.atomic():
        new = _create(transfer.template, transfer.direction, transfer.zone, user=user)
        if new is None:
            raise TransferRefused(coded("A copy of this template is already queued or running."))
        events.record("transfer.retry", user=user, target=f"T-{transfer.template_id}",
                      detail=coded("transfer %(old)s retried as %(new)s", old=transfer.pk, new=new.pk))
    return new


def cancel(transfer: Transfer, *, user=None) -> Transfer:
    """Cancel an active transfer. A queued one never starts; a running one
    stops at its next progress check (between segments at the latest).
    Raises TransferRefused when it already ended."""
    now = timezone.now()
    with transaction.atomic():
        changed = Transfer.objects.filter(pk=transfer.pk, state__in=ACTIVE).update(
            state=Transfer.State.CANCELLED, finished=now, updated=now,
            last_error=messages.encode(coded("Cancelled by %(user)s", user=events.username_of(user) or "system")))
        if not changed:
            raise TransferRefused(coded("This transfer has already ended."))
        events.record("transfer.cancel", user=user, target=f"T-{transfer.template_id}",
                      detail=coded("transfer %(id)s", id=transfer.pk))
    transfer.refresh_from_db()
    return transfer


def stale_filter(now=None, *, older_than: timedelta | None = None) -> Q:
    """Running or verifying rows whose worker stopped sending heartbeats for
    `older_than` (default settings.TRANSFER_STALE_SECONDS)."""
    now = now or timezone.now()
    if older_than is None:
        older_than = timedelta(seconds=settings.TRANSFER_STALE_SECONDS)
    limit = now - older_than
    # The browser's uploads have no worker to replace: they expire instead
    # (storage.catalog.uploads.expire_abandoned).
    return Q(state__in=(Transfer.State.RUNNING, Transfer.State.VERIFYING)) & ~Q(
        direction=Transfer.Direction.BROWSER) & (
        Q(heartbeat__lt=limit) | Q(heartbeat__isnull=True, updated__lt=limit))


def stale_transfers(older_than: timedelta | None = None):
    """The stuck transfers, oldest heartbeat first."""
    return (Transfer.objects.filter(stale_filter(older_than=older_than))
            .select_related("template", "zone").order_by("heartbeat", "id"))


def requeue_stale(older_than: timedelta | None = None, *, user=None, username="system") -> list[Transfer]:
    """Give transfers whose worker died back to the queue: the periodic task
    (storage.catalog.sync) and `manage.py transfers_status --requeue` both call this.

    Each row goes back to queued with its claim cleared, in one conditional
    UPDATE that re-checks staleness (a worker that sent a heartbeat meanwhile
    keeps its row), then its task is enqueued on commit. Clearing the claim
    is what makes this safe: the old worker, were it only slow, finds the
    row no longer its own at its next progress write and stops, and of the
    tasks now in the queue (ours, a redelivery by the broker) only the first
    claims the queued row. Returns the rows requeued, as they were."""
    requeued = []
    for transfer in stale_transfers(older_than):
        now = timezone.now()
        with transaction.atomic():
            taken = Transfer.objects.filter(
                Q(pk=transfer.pk, claim=transfer.claim) if transfer.claim else Q(pk=transfer.pk, claim__isnull=True),
                stale_filter(now, older_than=older_than),
            ).update(state=Transfer.State.QUEUED, claim=None, rate=0, updated=now,
                     last_error=messages.encode(coded(
                         "The worker %(worker)s stopped sending heartbeats; handed back to the queue.",
                         worker=transfer.worker or "?")))
            if not taken:
                continue
            since = transfer.heartbeat.isoformat(timespec="seconds") if transfer.heartbeat else "never"
            events.record("transfer.requeue", user=user, username=username, target=f"T-{transfer.template_id}",
                          detail=coded("transfer %(id)s (%(state)s, worker %(worker)s, last heartbeat %(since)s) "
                                       "handed back to the queue", id=transfer.pk, state=transfer.state,
                                       worker=transfer.worker or "?", since=since))
            enqueue(transfer.pk)
        logger.warning("transfer %s: no heartbeat since %s from %s; requeued", transfer.pk,
                       transfer.heartbeat, transfer.worker or "?")
        requeued.append(transfer)
    return requeued
