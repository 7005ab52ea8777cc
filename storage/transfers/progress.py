"""A running transfer's progress and heartbeat, written to its row at most
twice a second by the thread that runs the transfer (the copying threads
only count); each write also tells the worker when the row was cancelled or
taken over (TransferStopped)."""
from __future__ import annotations

import threading
import time
import uuid

from django.conf import settings
from django.utils import timezone

from cloudadmin.messages import coded
from storage.failures import TransferStalled, TransferStopped
from storage.models import Transfer

PROGRESS_INTERVAL = 0.5  # seconds between progress writes


class Progress:
    """Counts bytes from any thread; only the owning thread writes the row,
    at most every PROGRESS_INTERVAL seconds. A write that finds the row no
    longer ours (cancelled, taken over) raises TransferStopped."""

    def __init__(self, transfer: Transfer, claim: uuid.UUID, done: int = 0):
        self.transfer_id, self.claim = transfer.pk, claim
        self.lock = threading.Lock()
        self.done = done
        self.last_write = 0.0
        self.last_done, self.last_time = done, time.monotonic()
        self.rate = 0.0
        self.extra: dict = {}

    def add(self, count: int) -> None:
        with self.lock:
            self.done += count

    def set(self, **fields) -> None:
        with self.lock:
            self.extra.update(fields)

    def write(self, *, force: bool = False, **fields) -> None:
        now = time.monotonic()
        if not force and now - self.last_write < PROGRESS_INTERVAL:
            return
        with self.lock:
            done, extra = self.done, {**self.extra, **fields}
            self.extra = {}
        elapsed = now - self.last_time
        if elapsed >= PROGRESS_INTERVAL:
            current = (done - self.last_done) / elapsed
            self.rate = current if not self.rate else 0.5 * self.rate + 0.5 * current
            self.last_done, self.last_time = done, now
        self.last_write = now
        stamp = timezone.now()
        updated = Transfer.objects.filter(
            pk=self.transfer_id, claim=self.claim,
            state__in=(Transfer.State.RUNNING, Transfer.State.VERIFYING),
        ).update(bytes_done=done, rate=round(self.rate, 1), heartbeat=stamp, updated=stamp, **extra)
        if not updated:
            raise TransferStopped()

    def counter(self):
        """on_chunk(bytes) for a copy that writes the bytes itself: counts
        them, throttled in tests, and writes the row now and then."""
        throttle = Throttle()

        def on_chunk(count: int) -> None:
            throttle(count)
            self.add(count)
            self.write()

        return on_chunk


class Throttle:
    """TESTS ONLY (settings.TRANSFER_TEST_THROTTLE): slow a copy down so that
    fault tests can interrupt it mid-way. 0 = no limit. One Throttle may be
    shared by the threads of one copy: it caps their total rate. A set
    `stop` event ends its waits at once (a cancelled or failed copy)."""

    def __init__(self, stop: threading.Event | None = None):
        self.rate = settings.TRANSFER_TEST_THROTTLE
        self.start = time.monotonic()
        self.count = 0
        self.lock = threading.Lock()
        self.stop = stop

    def __call__(self, count: int) -> None:
        if not self.rate:
            return
        with self.lock:
            self.count += count
            ahead = self.start + self.count / self.rate - time.monotonic()
        if ahead > 0:
            if self.stop is not None:
                self.stop.wait(ahead)
            else:
                time.sleep(ahead)


class StallWatch:
    """For a copy whose heartbeat a ticker writes whatever its threads do
    (the upload engine): one whose threads move no byte for
    TRANSFER_STALE_SECONDS gives up by itself (TransferStalled, transient:
    queued again) instead of staying running."""

    def __init__(self, moved):
        self.moved = moved
        self.last, self.since = moved(), time.monotonic()

    def check(self) -> None:
        now, moved = time.monotonic(), self.moved()
        if moved != self.last:
            self.last, self.since = moved, now
        elif now - self.since > settings.TRANSFER_STALE_SECONDS:
            raise TransferStalled(coded("no byte moved for %(seconds)s s: the copy is stuck (NFS or Swift does "
                                        "not answer) and goes back to the queue",
                                        seconds=settings.TRANSFER_STALE_SECONDS))
