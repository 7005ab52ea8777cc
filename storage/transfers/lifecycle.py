"""The one lifecycle of a Transfer row while a worker runs it: claim, the
runner of its direction (storage.transfers.runners) with progress and
heartbeat, then exactly one end: done (with its event and the direction's
changes), queued again after a transient error (exponential backoff with
jitter, bounded), failed with a reason (401/403, checksum mismatch, 413, the
source vanished or changed, too many attempts), or stopped because it was
cancelled or taken over. `run` adds the follow-up of a finished transfer.
Changes from outside a run (create, retry, cancel, requeue) are
storage.transfers.queueing's."""
from __future__ import annotations

import logging
import random
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cloudadmin import events, messages
from cloudadmin.messages import coded
from storage.failures import TransferFailed, TransferStopped
from storage.models import SwiftStore, Transfer
from storage.swift import client as swift
from storage.transfers.progress import Progress
from storage.transfers.queueing import enqueue, stale_filter
from storage.transfers.runners import RUNNERS

logger = logging.getLogger(__name__)


def claim(transfer_id: int, worker: str = "") -> tuple[Transfer, uuid.UUID] | None:
    """Take the row: a queued one, or a running one whose worker died. A
    duplicate delivery finds it taken and gets None."""
    token = uuid.uuid4()
    now = timezone.now()
    taken = Transfer.objects.filter(pk=transfer_id).filter(Q(state=Transfer.State.QUEUED) | stale_filter(now)).update(
        state=Transfer.State.RUNNING, claim=token, heartbeat=now, updated=now, worker=worker[:255],
        attempts=F("attempts") + 1)
    if not taken:
        return None
    transfer = Transfer.objects.select_related("template", "zone").get(pk=transfer_id)
    if transfer.started is None:
        Transfer.objects.filter(pk=transfer_id).update(started=now)
    return transfer, token


def backoff_seconds(attempt: int) -> float:
    base = settings.TRANSFER_BACKOFF_SECONDS * 2 ** max(0, attempt - 1)
    return min(settings.TRANSFER_BACKOFF_MAX_SECONDS, base) * random.uniform(0.5, 1.5)


def _finish(transfer: Transfer, token, **fields) -> bool:
    now = timezone.now()
    return bool(Transfer.objects.filter(pk=transfer.pk, claim=token).exclude(state__in=Transfer.TERMINAL_STATES)
                .update(updated=now, heartbeat=now, **fields))


def run(transfer_id: int, *, worker: str = "") -> str | None:
    """Run one transfer (the Celery task's body), then what follows a
    finished one: a template that reached Swift goes to the zones lacking it,
    a template downloaded from its URL goes to Swift."""
    state = run_transfer(transfer_id, worker=worker)
    if state == Transfer.State.DONE:
        transfer = Transfer.objects.select_related("template", "zone").get(pk=transfer_id)
        RUNNERS[transfer.direction].follow_up(transfer)
    return state


def run_transfer(transfer_id: int, *, worker: str = "") -> str | None:
    """Claim and run one transfer; returns the state it ended in (None when
    it was not ours to run)."""
    claimed = claim(transfer_id, worker)
    if claimed is None:
        return None
    transfer, token = claimed
    progress = Progress(transfer, token)
    runner = RUNNERS[transfer.direction]
    try:
        if transfer.attempts > settings.TRANSFER_MAX_ATTEMPTS:  # e.g. its worker keeps dying
            raise TransferFailed(coded("gave up after %(attempts)s attempts", attempts=transfer.attempts - 1))
        store = SwiftStore.objects.first()
        if runner.needs_swift and store is None:
            raise TransferFailed(coded("Swift is not configured"))
        md5_hex = runner.run(transfer, progress, store)
    except TransferStopped:
        _after_stop(transfer)
        return Transfer.objects.filter(pk=transfer.pk).values_list("state", flat=True).first()
    except (TransferFailed, swift.SwiftError, OSError) as exc:
        return _failed(transfer, token, progress, exc)
    except Exception as exc:  # noqa: BLE001 - the row must never stay "running"
        logger.exception("transfer %s: unexpected error", transfer.pk)
        message = messages.encode(coded("unexpected error (%(name)s)", name=type(exc).__name__))
        with transaction.atomic():
            if _finish(transfer, token, state=Transfer.State.FAILED, last_error=message, finished=timezone.now()):
                events.record_failure("transfer.fail", username="worker", target=_label(transfer), detail=message)
        return Transfer.State.FAILED
    return _done(transfer, token, md5_hex)


def _label(transfer: Transfer) -> str:
    return f"T-{transfer.template_id}"


def _message(exc: Exception) -> messages.Message | str:
    """The reason to store, coded (cloudadmin.messages) when it can be."""
    if isinstance(exc, FileNotFoundError):
        return coded("a source file vanished during the copy")
    if isinstance(exc, OSError) and not isinstance(exc, swift.SwiftError):
        return coded("file error: %(error)s", error=exc.strerror or type(exc).__name__)
    return messages.as_message(exc)


def _failed(transfer: Transfer, token, progress: Progress, exc: Exception) -> str:
    """Queue it again after a transient error while attempts are left, else
    mark it failed with the reason."""
    transient = bool(getattr(exc, "transient", False))
    message = _message(exc)
    attempts = Transfer.objects.filter(pk=transfer.pk).values_list("attempts", flat=True).first() or 1
    if transient and attempts < settings.TRANSFER_MAX_ATTEMPTS:
        delay = backoff_seconds(attempts)
        retrying = coded("%(reason)s (attempt %(attempt)s; retrying in %(seconds)s s)",
                         reason=message, attempt=attempts, seconds=f"{delay:.0f}")
        if _finish(transfer, token, state=Transfer.State.QUEUED, claim=None, bytes_done=progress.done,
                   last_error=messages.encode(retrying)):
            enqueue(transfer.pk, countdown=delay)
            logger.warning("transfer %s: %s; retry in %.1f s", transfer.pk, messages.english(message), delay)
        return Transfer.State.QUEUED
    if transient:
        message = coded("%(reason)s (gave up after %(attempts)s attempts)", reason=message, attempts=attempts)
    stored = messages.encode(message, max_length=2000)
    with transaction.atomic():
        if _finish(transfer, token, state=Transfer.State.FAILED, last_error=stored, finished=timezone.now(),
                   bytes_done=max(0, progress.done), rate=0):
            events.record_failure("transfer.fail", username="worker", target=_label(transfer), detail=stored)
    logger.warning("transfer %s failed: %s", transfer.pk, messages.english(message))
    return Transfer.State.FAILED


def _done(transfer: Transfer, token, md5_hex: str) -> str | None:
    runner = RUNNERS[transfer.direction]
    now = timezone.now()
    with transaction.atomic():  # the row and what its direction changes, together
        if not _finish(transfer, token, state=Transfer.State.DONE, md5=md5_hex, last_error="", finished=now,
                       bytes_done=F("bytes_total"), rate=0):
            return None
        runner.on_done(transfer, md5_hex, now)
        detail = (runner.done_detail(transfer, md5_hex) if runner.done_detail
                  else coded("copied %(where)s, MD5 %(md5)s", where=runner.describe(transfer), md5=md5_hex))
        events.record("transfer.done", username="worker", target=_label(transfer), detail=detail)
    return Transfer.State.DONE


def _after_stop(transfer: Transfer) -> None:
    """A cancelled transfer may leave something to clean (its runner's
    after_cancel); a taken-over one leaves everything to its new owner."""
    state = Transfer.objects.filter(pk=transfer.pk).values_list("state", flat=True).first()
    if state != Transfer.State.CANCELLED:
        return
    try:
        RUNNERS[transfer.direction].after_cancel(transfer)
    except swift.SwiftError as exc:
        logger.warning("transfer %s: segments not cleaned after cancel: %s", transfer.pk, exc)


def end_pushed(transfer: Transfer, token, *, md5_hex: str = "", error="") -> str | None:
    """End a transfer whose bytes a client pushed (no worker ran it: the
    upload from the browser, which holds the claim `token`): done with its
    event, its direction's changes and follow-up, or failed with `error` (coded, or an error carrying it)."""
    if error:
        stored = messages.encode(error, max_length=2000)
        with transaction.atomic():
            if _finish(transfer, token, state=Transfer.State.FAILED, last_error=stored, finished=timezone.now(),
                       rate=0, claim=None):
                events.record_failure("transfer.fail", username=transfer.requested_by or "system",
                                      target=_label(transfer), detail=stored)
                return Transfer.State.FAILED
        return None
    state = _done(transfer, token, md5_hex)
    if state == Transfer.State.DONE:
        RUNNERS[transfer.direction].follow_up(transfer)
    return state
