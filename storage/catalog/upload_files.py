"""Upload from local: the bytes of one request written to the upload's
file (storage.catalog.uploads uses it). Bytes past the stored offset are cut
off first. The request is read READ_BYTES at a time into two buffers that
take turns; each block is written and hashed, in two threads of their own,
while the next block is read into the other buffer, and every
SYNC_BYTES or SYNC_SECONDS an fsync of what was written so far runs in
another thread while the next blocks arrive (hashlib, writes and fsync
release the GIL). Only when an fsync has returned are the bytes it covered counted in
the database; the request's end waits for the last one. Synced bytes leave
the page cache, as Swift's object server does with its writes: a multi-GiB
upload does not push out the pages of everything else, and the freed pages
take the next blocks (on a VM, fresh pages cost the worker as much system
time as the upload's whole MD5).
HASHES keeps the server's MD5 in this process by upload and offset; a
request that finds none for its offset re-reads the file from disk."""
from __future__ import annotations

import hashlib
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from storage.models import BrowserUpload, Transfer
from storage.secondary.writer import sync_and_drop
from storage.transfers.progress import Throttle

CHUNK = 1024 * 1024  # re-reading the file, and a CloudStack POST's parser
# Read from the request this much at a time: few Python-level turns per byte,
# and two blocks (one written and hashed, one read) keep the worker's memory flat.
READ_BYTES = 4 * CHUNK
# Start an fsync (then count in the database) after this many bytes, or after
# SYNC_SECONDS with some bytes: a live offset and heartbeat when slow.
SYNC_BYTES = 16 * CHUNK
SYNC_SECONDS = 1.0
HASHES: dict[uuid.UUID, tuple[int, object]] = {}


class UploadRefused(Exception):
    """The request cannot be done; `status` is the HTTP answer's."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def hash_at(upload: BrowserUpload, path: Path, offset: int):
    """The MD5 of the file's first `offset` bytes: kept from the last
    request in this process, else read again from disk."""
    kept = HASHES.get(upload.uuid)
    if kept is not None and kept[0] == offset:
        return kept[1]
    md5 = hashlib.md5()
    with open(path, "rb") as handle:
        left = offset
        while left:
            block = handle.read(min(CHUNK, left))
            if not block:
                raise UploadRefused(_("The partial file is shorter than its recorded offset."), 409)
            md5.update(block)
            left -= len(block)
    return md5


def record(upload: BrowserUpload, token, offset: int, rate: float = 0) -> None:
    """Count synced bytes: the upload's offset, the transfer's progress, rate and heartbeat."""
    now = timezone.now()
    BrowserUpload.objects.filter(pk=upload.pk).update(offset=offset)
    Transfer.objects.filter(pk=upload.transfer_id, claim=token).update(
        bytes_done=offset, rate=round(rate, 1), heartbeat=now, updated=now)
    upload.offset = offset


class Appender:
    """Writes one request's bytes at the upload's stored offset (409
    otherwise), cutting off first what an earlier broken request wrote past
    it; fsyncs run behind the writes and only what they covered is counted.
    Use write(), then close(), which syncs the rest."""

    def __init__(self, upload: BrowserUpload, token, offset: int, path: Path):
        if offset != upload.offset:
            raise UploadRefused(_("The upload is at offset %(stored)s, not %(offset)s.")
                                % {"stored": upload.offset, "offset": offset}, 409)
        self.upload, self.token, self.written = upload, token, offset
        self.throttle = Throttle()  # tests only: slow enough to cut the network mid-way
        self.since = (time.monotonic(), offset)  # the last count, for the rate the dashboard shows
        self.md5 = hash_at(upload, path, offset)
        # The block being written and hashed while the next one is read.
        self.threads, self.pending = ThreadPoolExecutor(2), ()
        # The running fsync: (its future, the offset and MD5 it makes durable).
        self.syncer, self.syncing = ThreadPoolExecutor(1), None
        self.dropped = offset  # bytes before this left the page cache after their fsync
        try:
            self.out = open(path, "r+b")
            self.out.truncate(offset)
            self.out.seek(offset)
        except OSError as exc:
            raise storage_refusal(exc) from None

    def write(self, block) -> None:
        """Queue `block` (bytes-like) to be written and hashed, once the one
        before it is done: the caller may reuse that one's memory now, and
        this one's after the next write() or close()."""
        length = self.upload.length
        if length is not None and self.written + len(block) > length:
            raise UploadRefused(_("These bytes go past the upload's length of %(length)s bytes.")
                                % {"length": length}, 413)
        self.throttle(len(block))
        self._wait_pending()
        self.pending = (self.threads.submit(self.out.write, block), self.threads.submit(self.md5.update, block))
        self.written += len(block)
        if self.syncing is not None and self.syncing[0].done():
            self._synced()
        if self.syncing is None and (self.written - self.since[1] >= SYNC_BYTES
                                     or time.monotonic() - self.since[0] >= SYNC_SECONDS):
            self._start_sync()

    def _wait_pending(self) -> None:
        """Wait for the block being written and hashed (at most one: memory
        stays bounded)."""
        pending, self.pending = self.pending, ()
        try:
            for future in pending:
                future.result()
        except OSError as exc:
            raise storage_refusal(exc) from None

    def _start_sync(self) -> None:
        """An fsync of everything written so far, in the syncer's thread."""
        self._wait_pending()
        try:
            self.out.flush()
        except OSError as exc:
            raise storage_refusal(exc) from None
        self.syncing = (self.syncer.submit(sync_and_drop, self.out.fileno(), self.dropped, self.written),
                        self.written, self.md5.copy())
        self.dropped = self.written

    def _synced(self) -> None:
        """Wait for the running fsync, then count the bytes it covered."""
        future, offset, md5 = self.syncing
        self.syncing = None
        try:
            future.result()
        except OSError as exc:
            raise storage_refusal(exc) from None
        HASHES[self.upload.uuid] = (offset, md5)
        now = time.monotonic()
        rate = (offset - self.since[1]) / max(now - self.since[0], 1e-3)
        self.since = (now, offset)
        record(self.upload, self.token, offset, rate)

    def close(self) -> int:
        """Sync what is left; returns the new offset."""
        try:
            if self.syncing is not None:
                self._synced()
            self._start_sync()
            self._synced()
        finally:
            self.threads.shutdown()  # a write still running ends before the file closes
            self.syncer.shutdown()
            self.out.close()
        return self.written


def storage_refusal(exc: OSError) -> UploadRefused:
    return UploadRefused(_("The secondary storage cannot be written: %(reason)s")
                         % {"reason": exc.strerror or type(exc).__name__}, 507)


def append(appender: Appender, readinto, count: int) -> int:
    """Write `count` bytes from readinto(view) (storage.web.raw_body) through
    `appender`; returns the new offset. Two buffers take turns: one is read
    into while the other is written and hashed (write() returns once the
    block before it is done), so no block needs fresh memory. A client that
    goes away keeps what reached the disk."""
    buffers = [memoryview(bytearray(min(READ_BYTES, count))) for _ in range(2)]
    try:
        turn = 0
        while count > 0:
            view = buffers[turn][:min(READ_BYTES, count)]
            try:
                got = readinto(view)
            except OSError:  # the client went away
                got = 0
            if not got:
                break
            appender.write(view[:got])
            count -= got
            turn = 1 - turn
    finally:
        written = appender.close()
    return written
