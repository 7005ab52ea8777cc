"""Upload from local: the bytes of one request written to the upload's
file (storage.catalog.uploads uses it). Bytes past the stored offset are cut
off first; the MD5 is computed in a thread of its own while the next block
is read and written (hashlib releases the GIL), then every SYNC_BYTES or
SYNC_SECONDS the file is fsynced and only then counted in the database.
HASHES keeps the server's MD5 in this process by upload and offset; a
request that finds none for its offset re-reads the file from disk."""
from __future__ import annotations

import hashlib
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from storage.models import BrowserUpload, Transfer
from storage.transfers.progress import Throttle

CHUNK = 1024 * 1024
# fsync (and count in the database) after this many bytes, or after
# SYNC_SECONDS with some bytes: few fsyncs when fast, a live offset when slow.
SYNC_BYTES = 64 * 1024 * 1024
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
    it; every SYNC_BYTES are fsynced and only then counted. Use write(),
    then close(), which syncs the rest."""

    def __init__(self, upload: BrowserUpload, token, offset: int, path: Path):
        if offset != upload.offset:
            raise UploadRefused(_("The upload is at offset %(stored)s, not %(offset)s.")
                                % {"stored": upload.offset, "offset": offset}, 409)
        self.upload, self.token, self.written, self.unsynced = upload, token, offset, 0
        self.throttle = Throttle()  # tests only: slow enough to cut the network mid-way
        self.since = (time.monotonic(), offset)  # for the rate the dashboard shows
        self.md5 = hash_at(upload, path, offset)
        self.hasher, self.hashing = ThreadPoolExecutor(1), None
        try:
            self.out = open(path, "r+b")
            self.out.truncate(offset)
            self.out.seek(offset)
        except OSError as exc:
            raise storage_refusal(exc) from None

    def write(self, block: bytes) -> None:
        length = self.upload.length
        if length is not None and self.written + len(block) > length:
            raise UploadRefused(_("These bytes go past the upload's length of %(length)s bytes.")
                                % {"length": length}, 413)
        self.throttle(len(block))
        try:
            self.out.write(block)
        except OSError as exc:
            raise storage_refusal(exc) from None
        self._hashed()
        self.hashing = self.hasher.submit(self.md5.update, block)  # while the next block is read and written
        self.written += len(block)
        self.unsynced += len(block)
        if self.unsynced >= SYNC_BYTES or time.monotonic() - self.since[0] >= SYNC_SECONDS:
            self.sync()

    def _hashed(self) -> None:
        """Wait for the block being hashed (at most one: memory stays bounded)."""
        if self.hashing is not None:
            self.hashing.result()
            self.hashing = None

    def sync(self) -> None:
        self._hashed()
        try:
            self.out.flush()
            os.fsync(self.out.fileno())
        except OSError as exc:
            raise storage_refusal(exc) from None
        self.unsynced = 0
        HASHES[self.upload.uuid] = (self.written, self.md5.copy())
        now = time.monotonic()
        rate = (self.written - self.since[1]) / max(now - self.since[0], 1e-3)
        self.since = (now, self.written)
        record(self.upload, self.token, self.written, rate)

    def close(self) -> int:
        """Sync what is left; returns the new offset."""
        try:
            self.sync()
        finally:
            self.out.close()
            self.hasher.shutdown()
        return self.written


def storage_refusal(exc: OSError) -> UploadRefused:
    return UploadRefused(_("The secondary storage cannot be written: %(reason)s")
                         % {"reason": exc.strerror or type(exc).__name__}, 507)


def append(appender: Appender, read, count: int) -> int:
    """Write `count` bytes from read(n) through `appender`; returns the new
    offset. A client that goes away keeps what reached the disk."""
    try:
        while count > 0:
            try:
                block = read(min(CHUNK, count))
            except OSError:  # the client went away
                block = b""
            if not block:
                break
            appender.write(block)
            count -= len(block)
    finally:
        written = appender.close()
    return written
