"""The transfer engine: copy one template between a zone's NFS secondary
storage and Swift, verified and resumable.

Up (NFS → Swift, container T-<id>, same file names as on NFS):
  1. skip when Swift already holds this very copy (sizes and MD5 agree);
  2. the image: one object up to `swift.segment.size`, above it a Static
     Large Object whose segments go to T-<id>_segments under deterministic
     names (<file>/<mtime>/<size>/<segment size>/<index>) and upload in
     parallel (`swift.transfer.concurrency`);
  3. one sequential read of the file feeds the uploads and both hashes
     (each segment's MD5, compared with the ETag Swift returns, and the
     whole-file MD5, compared with template.properties' checksum) through a
     bounded read-ahead, so memory stays flat whatever the size;
  4. template.properties last: its presence in Swift means "complete";
  5. segments of other plans or abandoned attempts are deleted.
Segments already in Swift with the right size are hashed as the read goes
by and kept when their ETag matches: a retry sends only the rest.

Down (Swift → a zone's NFS): `copy_down`, into a temporary name, verified,
then renamed; template.properties last.

`run_transfer` claims the Transfer row, runs the copy, and decides: done,
retry later (transient errors, exponential backoff with jitter, bounded),
or failed at once (401/403, checksum mismatch, 413, the source vanished or
changed). Progress and the heartbeat are written at most twice a second;
each write also tells the worker when the row was cancelled.
"""
from __future__ import annotations

import errno
import hashlib
import json
import logging
import math
import os
import queue
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cloudadmin import config, events

from storage.secondary import nfs, properties
from storage.swift import client as swift
from storage.models import SecondaryStorage, SwiftStore, Template, TemplateLocation, Transfer
from storage.transfers.queueing import enqueue, stale_filter

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
SMALL_OBJECT = 8 * 1024 * 1024  # read whole, so its ETag goes with the PUT
PROGRESS_INTERVAL = 0.5  # seconds between progress writes
SWIFT_TIMEOUT = 60
META_TEMPLATE_ID = "X-Object-Meta-Template-Id"
META_SOURCE_ZONE = "X-Object-Meta-Source-Zone"
META_MD5 = "X-Object-Meta-Md5"
META_SOURCE_SIZE = "X-Object-Meta-Source-Size"
META_SOURCE_MTIME = "X-Object-Meta-Source-Mtime"
# Bytes of one SLO manifest entry besides the segment's path (JSON overhead,
# a 32-hex ETag, a size of up to 13 digits).
MANIFEST_ENTRY_OVERHEAD = 80
MIB = 1024 * 1024


class TransferFailed(Exception):
    """A permanent failure: retrying the same thing cannot help."""


class SourceChanged(TransferFailed):
    pass


class TransferStopped(Exception):
    """The row was cancelled or taken over by another task: stop quietly."""


# --- planning ----------------------------------------------------------------
def segment_name(filename: str, size: int, mtime: float, segment_size: int, index: int) -> str:
    return f"{filename}/{mtime:.6f}/{size}/{segment_size}/{index:08d}"


def plan_segment_size(size: int, wanted: int, caps: dict, *, path_length: int = 200) -> int:
    """The segment size for a file of `size` bytes: 0 for one plain object,
    else a segment size that fits what Swift's /info allows. Raises
    TransferFailed with the reason when no plan fits."""
    max_file = caps.get("max_file_size") or 5 * 1024**3 + 2
    if size <= wanted and size <= max_file:
        return 0
    if not caps.get("slo"):
        raise TransferFailed(
            f"the template has {size} bytes, more than one object may hold here "
            f"(segment size {wanted}, Swift max_file_size {max_file}), and this Swift "
            f"offers no Static Large Objects (slo middleware)")
    segment = min(wanted, max_file)
    max_segments = caps.get("max_manifest_segments") or 1000
    max_manifest = caps.get("max_manifest_size") or 8 * 1024 * 1024
    per_manifest = max(1, max_manifest // (path_length + MANIFEST_ENTRY_OVERHEAD))
    limit = min(max_segments, per_manifest)
    if math.ceil(size / segment) > limit:
        segment = math.ceil(math.ceil(size / limit) / MIB) * MIB  # grow, in whole MiB
    min_segment = caps.get("min_segment_size") or 1
    segment = max(segment, min_segment)
    if segment > max_file or math.ceil(size / segment) > limit:
        raise TransferFailed(
            f"the template has {size} bytes; this Swift allows at most {limit} segments of "
            f"{max_file} bytes in one Static Large Object")
    return segment


# --- progress ----------------------------------------------------------------
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


class Throttle:
    """TESTS ONLY (settings.TRANSFER_TEST_THROTTLE): slow a copy down so that
    fault tests can interrupt it mid-way. 0 = no limit."""

    def __init__(self):
        self.rate = settings.TRANSFER_TEST_THROTTLE
        self.start = time.monotonic()
        self.count = 0

    def __call__(self, count: int) -> None:
        if not self.rate:
            return
        self.count += count
        ahead = self.start + self.count / self.rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)


# --- the parallel segment upload ------------------------------------------------
class _Abort(Exception):
    pass


class Pipeline:
    """One reader (the calling thread) and a pool of uploader threads, each
    streaming one part from a queue of chunks. Read-ahead is bounded by a
    semaphore of settings.TRANSFER_READ_AHEAD_MB: memory stays flat, and the
    next segments start uploading while the read is within that distance."""

    END = object()

    def __init__(self, new_connection, concurrency: int, progress: Progress):
        self.new_connection = new_connection
        self.progress = progress
        self.slots = threading.Semaphore(max(2, settings.TRANSFER_READ_AHEAD_MB * MIB // CHUNK))
        self.abort = threading.Event()
        self.error: BaseException | None = None
        self.local = threading.local()
        self.connections: list = []
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="transfer")
        self.futures = []

    def _connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self.new_connection()
            self.connections.append(conn)
        return conn

    def check(self) -> None:
        if self.abort.is_set():
            raise self.error or _Abort()

    def _body(self, chunks: queue.Queue, digest):
        while True:
            try:
                item = chunks.get(timeout=0.5)
            except queue.Empty:
                if self.abort.is_set():
                    raise _Abort() from None
                continue
            if item is self.END:
                return
            self.slots.release()
            if digest is not None:
                digest.update(item)  # here, on another core than the reader's whole-file MD5
            self.progress.add(len(item))
            yield item

    def _run(self, job, *args):
        try:
            return job(self._connection(), *args)
        except BaseException as exc:
            if self.error is None:
                self.error = exc
            self.abort.set()
            raise

    def stream(self, container: str, name: str, length: int, headers: dict | None = None, *,
               hash_here: bool = True):
        """Start uploading one part; returns (feed, finish): feed(chunk) for
        every chunk in order, then finish(md5). The part's result is (name,
        ETag), the ETag checked against the MD5 of the bytes sent: hashed by
        the uploading thread (hash_here), or given to finish() by a reader
        that computes it anyway."""
        chunks: queue.Queue = queue.Queue()
        expected: dict = {}

        def job(conn):
            digest = hashlib.md5() if hash_here else None
            etag = swift.put_object(conn, container, name, self._body(chunks, digest), content_length=length,
                                    headers=headers)
            if etag != (digest.hexdigest() if digest is not None else expected.get("md5")):
                swift.delete_object(conn, container, name)
                raise swift.SwiftError(f"Uploading {container}/{name}: Swift stored other bytes than "
                                       f"were sent (ETag mismatch)", transient=True)
            return name, etag

        self.futures.append(self.pool.submit(self._run, job))

        def feed(chunk: bytes) -> None:
            while not self.slots.acquire(timeout=0.2):
                self.check()
                self.progress.write()  # the heartbeat goes on while uploads catch up
            chunks.put(chunk)

        def finish(md5_hex: str | None = None) -> None:
            expected["md5"] = md5_hex
            chunks.put(self.END)

        return feed, finish

    def submit(self, job, *args) -> None:
        self.futures.append(self.pool.submit(self._run, job, *args))

    def wait(self) -> list:
        """Wait for every part, writing progress meanwhile."""
        try:
            while not all(f.done() for f in self.futures):
                self.check()
                self.progress.write()
                time.sleep(0.05)
            self.check()
            return [f.result() for f in self.futures]
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.abort.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        for conn in self.connections:
            conn.close()


# --- up: NFS → Swift -------------------------------------------------------------
@dataclass
class Source:
    folder: Path
    props: properties.TemplateProperties
    props_bytes: bytes
    image: Path
    size: int
    mtime: float


def _store_root(zone) -> tuple[SecondaryStorage, Path]:
    store = SecondaryStorage.objects.filter(zone=zone).order_by("id").first()
    if store is None:
        raise TransferFailed(f"zone {zone.name} has no secondary storage")
    return store, nfs.local_path(store.server, store.path)


def open_source(transfer: Transfer) -> Source:
    """Check the template's folder as the scanner does, now."""
    from storage.catalog.scanner import check_folder

    template = transfer.template
    location = TemplateLocation.objects.filter(template=template, zone=transfer.zone).first()
    if location is None or not location.path:
        raise TransferFailed("the template was never seen on this zone's secondary storage")
    store = location.secondary_storage or _store_root(transfer.zone)[0]
    root = nfs.local_path(store.server, store.path)
    folder = root / location.path
    entry = check_folder(str(folder), location.path, os.path.realpath(root), template.pk,
                         template.account_id or 0)
    if not entry.complete:
        raise TransferFailed(f"the template on NFS is not complete any more: {entry.reason}")
    props_bytes = (folder / properties.FILENAME).read_bytes()
    return Source(folder=folder, props=entry.props, props_bytes=props_bytes,
                  image=folder / entry.props.filename, size=entry.image_size, mtime=entry.image_mtime)


def _meta(transfer: Transfer, source: Source, md5_hex: str) -> dict:
    return {META_TEMPLATE_ID: str(transfer.template_id), META_SOURCE_ZONE: transfer.zone.name,
            META_MD5: md5_hex, META_SOURCE_SIZE: str(source.size), META_SOURCE_MTIME: f"{source.mtime:.6f}",
            "Content-Type": "application/octet-stream"}


def already_in_swift(conn, container: str, source: Source) -> str | None:
    """The whole-file MD5 when Swift holds this very copy, complete."""
    props = swift.head_object(conn, container, properties.FILENAME)
    image = swift.head_object(conn, container, source.props.filename)
    if props is None or image is None:
        return None
    if int(image.get("content-length", -1)) != source.size:
        return None
    stored_md5 = image.get(META_MD5.lower(), "")
    if source.props.checksum:
        same = stored_md5 == source.props.checksum
    else:
        same = (image.get(META_SOURCE_SIZE.lower()) == str(source.size)
                and image.get(META_SOURCE_MTIME.lower()) == f"{source.mtime:.6f}")
    if not same or props.get("etag", "").strip('"') != hashlib.md5(source.props_bytes).hexdigest():
        return None
    return stored_md5


def _check_unchanged(handle, source: Source) -> None:
    st = os.fstat(handle.fileno())
    try:
        now = os.stat(source.image)
    except FileNotFoundError:
        raise SourceChanged("the image vanished from NFS during the copy") from None
    if (st.st_size, st.st_mtime) != (source.size, source.mtime) or \
            (now.st_size, now.st_mtime, now.st_ino) != (st.st_size, st.st_mtime, st.st_ino):
        raise SourceChanged("the image changed on NFS during the copy (size or modification time); "
                            "nothing was marked complete, the next scan copies it again")


def upload(transfer: Transfer, progress: Progress, creds: swift.Credentials, caps: dict) -> str:
    """Copy the template up; returns the whole-file MD5."""
    source = open_source(transfer)
    if (transfer.source_size, transfer.source_mtime) != (source.size, source.mtime):
        Transfer.objects.filter(pk=transfer.pk).update(source_size=source.size, source_mtime=source.mtime)
    container = transfer.template.swift_container
    segments_container = f"{container}_segments"
    conn = swift.connect(creds, timeout=SWIFT_TIMEOUT)
    try:
        storage_url = swift.authenticate(conn)
        done_md5 = already_in_swift(conn, container, source)
        if done_md5 is not None:
            progress.add(source.size - progress.done)
            progress.write(force=True, bytes_total=source.size, last_error="")
            return done_md5
        segment_size = plan_segment_size(
            source.size, config.value("swift.segment.size"), caps,
            path_length=len(segments_container) + len(source.props.filename) + 60)
        swift.ensure_container(conn, container)
        # The image is about to be replaced: until the new copy is verified,
        # Swift must not claim a complete template.
        if swift.delete_object(conn, container, properties.FILENAME):
            Template.objects.filter(pk=transfer.template_id).update(
                swift_state=Template.SwiftState.ABSENT, updated=timezone.now())
        progress.done = 0
        progress.write(force=True, bytes_total=source.size, segment_size=segment_size or None,
                       segments_total=math.ceil(source.size / segment_size) if segment_size else 1,
                       segments_done=0, segments_reused=0)

        def new_connection():
            thread_conn = swift.connect(creds, timeout=SWIFT_TIMEOUT)
            thread_conn.url, thread_conn.token = storage_url, conn.token
            return thread_conn

        if segment_size:
            md5_hex = _upload_slo(transfer, source, conn, new_connection, progress, container,
                                  segments_container, segment_size)
        else:
            md5_hex = _upload_object(transfer, source, conn, new_connection, progress, container)
        # Last: its presence in Swift says the template is complete.
        props_md5 = hashlib.md5(source.props_bytes).hexdigest()
        swift.put_object(conn, container, properties.FILENAME, source.props_bytes,
                         content_length=len(source.props_bytes), etag=props_md5,
                         headers={**_meta(transfer, source, md5_hex), "Content-Type": "text/plain"})
        cleanup_segments(conn, segments_container, keep_prefix=(
            segment_name(source.props.filename, source.size, source.mtime, segment_size, 0)[:-8]
            if segment_size else None))
        return md5_hex
    finally:
        conn.close()


def _verify_checksum(source: Source, md5_hex: str) -> None:
    if source.props.checksum and source.props.checksum != md5_hex:
        raise TransferFailed(f"checksum mismatch: template.properties says {source.props.checksum}, "
                             f"the image's MD5 is {md5_hex}")


def _upload_object(transfer, source, conn, new_connection, progress, container) -> str:
    throttle = Throttle()
    with open(source.image, "rb") as handle:
        _check_unchanged(handle, source)
        if source.size <= SMALL_OBJECT:
            data = handle.read(source.size + 1)
            throttle(len(data))
            _check_unchanged(handle, source)
            md5_hex = hashlib.md5(data).hexdigest()
            if len(data) != source.size:
                raise SourceChanged("the image changed on NFS during the copy")
            progress.write(force=True, state=Transfer.State.VERIFYING)
            _verify_checksum(source, md5_hex)
            swift.put_object(conn, container, source.props.filename, data, content_length=len(data),
                             etag=md5_hex, headers=_meta(transfer, source, md5_hex))
            progress.add(len(data))
            return md5_hex
        whole = hashlib.md5()
        pipeline = Pipeline(new_connection, 1, progress)
        try:
            # One object: its MD5 is the whole-file MD5 the reader computes.
            feed, finish = pipeline.stream(container, source.props.filename, source.size,
                                           headers=_meta(transfer, source, ""), hash_here=False)
            while chunk := handle.read(CHUNK):
                whole.update(chunk)
                throttle(len(chunk))
                feed(chunk)
                progress.write()
            _check_unchanged(handle, source)
            md5_hex = whole.hexdigest()
            finish(md5_hex)
            pipeline.wait()
        finally:
            pipeline.close()
    progress.write(force=True, state=Transfer.State.VERIFYING)
    try:
        _verify_checksum(source, md5_hex)
    except TransferFailed:
        swift.delete_object(conn, container, source.props.filename)
        raise
    swift.post_object(conn, container, source.props.filename, _meta(transfer, source, md5_hex))
    return md5_hex


def _upload_slo(transfer, source, conn, new_connection, progress, container, segments_container,
                segment_size) -> str:
    count = math.ceil(source.size / segment_size)
    prefix = segment_name(source.props.filename, source.size, source.mtime, segment_size, 0)[:-8]
    swift.ensure_container(conn, segments_container)
    existing = {o["name"]: o for o in swift.list_objects(conn, segments_container, prefix=prefix)}
    concurrency = config.value("swift.transfer.concurrency")
    throttle = Throttle()
    whole = hashlib.md5()
    etags: list[str | None] = [None] * count
    reused = 0
    pipeline = Pipeline(new_connection, concurrency, progress)
    try:
        with open(source.image, "rb") as handle:
            try:
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
            except (AttributeError, OSError):
                pass
            _check_unchanged(handle, source)
            for index in range(count):
                # Cancel and source changes are checked between segments
                # (and progress writes notice a cancel within a segment).
                progress.write(force=True, segments_reused=reused)
                _check_unchanged(handle, source)
                pipeline.check()
                offset = index * segment_size
                length = min(segment_size, source.size - offset)
                name = segment_name(source.props.filename, source.size, source.mtime, segment_size, index)
                old = existing.get(name)
                reuse = old is not None and old.get("bytes") == length
                segment = hashlib.md5()
                feed = finish = None
                if not reuse:
                    feed, finish = pipeline.stream(segments_container, name, length)
                left = length
                while left:
                    chunk = handle.read(min(CHUNK, left))
                    if not chunk:
                        raise SourceChanged("the image became shorter on NFS during the copy")
                    left -= len(chunk)
                    whole.update(chunk)
                    throttle(len(chunk))
                    if feed is not None:
                        feed(chunk)
                    else:
                        segment.update(chunk)
                        progress.add(len(chunk))
                    progress.write()
                if finish is not None:
                    finish()
                    continue
                digest = segment.hexdigest()
                etags[index] = digest
                if old.get("hash") == digest:
                    reused += 1
                else:
                    # A damaged leftover: send this segment again. Its MD5 is
                    # known now, so Swift checks the body against it.
                    progress.add(-length)
                    pipeline.submit(_resend_segment, source.image, segments_container, name, offset, length,
                                    digest, progress)
            _check_unchanged(handle, source)
        results = pipeline.wait()
    finally:
        pipeline.close()
    for name, etag in results:  # each checked against the MD5 of what was sent
        etags[int(name.rsplit("/", 1)[1])] = etag
    md5_hex = whole.hexdigest()
    progress.write(force=True, state=Transfer.State.VERIFYING, segments_done=count, segments_reused=reused)
    _verify_checksum(source, md5_hex)
    manifest = [{"path": f"/{segments_container}/{segment_name(source.props.filename, source.size, source.mtime, segment_size, i)}",
                 "etag": etags[i], "size_bytes": min(segment_size, source.size - i * segment_size)}
                for i in range(count)]
    slo_etag = hashlib.md5("".join(etags).encode()).hexdigest()
    body = json.dumps(manifest).encode()
    swift.put_object(conn, container, source.props.filename, body, content_length=len(body), etag=slo_etag,
                     headers=_meta(transfer, source, md5_hex), query_string="multipart-manifest=put")
    head = swift.head_object(conn, container, source.props.filename)
    if head is None or int(head.get("content-length", -1)) != source.size:
        raise swift.SwiftError("the Static Large Object in Swift does not have the template's size",
                               transient=True)
    return md5_hex


def _resend_segment(conn, image, container, name, offset, length, digest, progress):
    with open(image, "rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    etag = swift.put_object(conn, container, name, data, content_length=len(data), etag=digest)
    progress.add(len(data))
    return name, etag


def cleanup_segments(conn, segments_container: str, *, keep_prefix: str | None) -> int:
    """Delete the segments of other plans and abandoned attempts."""
    removed = 0
    for obj in swift.list_objects(conn, segments_container):
        if keep_prefix is None or not obj["name"].startswith(keep_prefix):
            removed += swift.delete_object(conn, segments_container, obj["name"])
    return removed


# --- down: Swift → NFS -------------------------------------------------------------
def storage_error(exc: OSError, store: SecondaryStorage) -> TransferFailed:
    """A clear, permanent failure for an error writing to secondary storage."""
    reasons = {errno.ENOSPC: "is full (no space left on device)",
               errno.EDQUOT: "is full (disk quota exceeded)",
               errno.EROFS: "is read-only (read-only file system)",
               errno.EACCES: "cannot be written here (permission denied)",
               errno.EPERM: "cannot be written here (operation not permitted)"}
    reason = reasons.get(exc.errno, f"cannot be written: {exc.strerror or type(exc).__name__}")
    return TransferFailed(f"the secondary storage {store.url} {reason}")


def make_template_folder(root: Path, rel: str, store: SecondaryStorage) -> tuple[Path, list[Path]]:
    """Create root/rel (checked to stay inside root); returns it and the
    folders created, deepest first, for `remove_created` on failure."""
    folder = root / rel
    created = []
    probe = folder
    while not probe.exists() and probe != root:
        created.append(probe)
        probe = probe.parent
    real_root = os.path.realpath(root)
    for _ in range(2):  # before creating folders (a link could lead out), and after
        if not os.path.realpath(folder).startswith(real_root + os.sep):
            raise TransferFailed("the template folder links outside the secondary storage")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            remove_created(created)
            raise storage_error(exc, store) from None
    return folder, created


def remove_created(created: list[Path]) -> None:
    """Remove the folders a failed copy created (when empty), so the scanner
    finds no template there."""
    for path in created:
        try:
            path.rmdir()
        except OSError:
            break


def _identical_copy(root: Path, rel: str, template: Template, size: int, md5_hex: str):
    """The Entry of a complete copy of this template already in the folder
    with the same size and checksum, else None."""
    from storage.catalog.scanner import check_folder

    folder = root / rel
    if not md5_hex or not folder.is_dir():
        return None
    entry = check_folder(str(folder), rel, os.path.realpath(root), template.pk, template.account_id or 0)
    if entry.complete and entry.props.checksum == md5_hex and entry.image_size == size:
        return entry
    return None


def copy_down(transfer: Transfer, progress: Progress, creds: swift.Credentials) -> str:
    """Copy the template from Swift into the zone's NFS secondary storage:
    skipped when the zone already holds an identical copy (same size and
    checksum); else the image under a temporary name, verified (size, ETag,
    whole-file MD5 against the checksum), renamed; template.properties last.
    An existing template.properties is removed first, so that a folder is
    never complete with a mix of old and new. A failure (a full or read-only
    store, a cancel) removes what this copy wrote. Returns the whole-file MD5."""
    template = transfer.template
    store, root = _store_root(transfer.zone)
    container = template.swift_container
    conn = swift.connect(creds, timeout=SWIFT_TIMEOUT)
    try:
        swift.authenticate(conn)
        props_head, props_bytes = swift.get_object(conn, container, properties.FILENAME)
        if props_head is None:
            raise TransferFailed("template.properties is not in Swift")
        try:
            props = properties.check(properties.parse(props_bytes), folder_id=template.pk)
        except properties.PropertiesError as exc:
            raise TransferFailed(f"template.properties in Swift: {exc}") from None
        account = template.account_id if template.account_id is not None else 1
        rel = f"template/tmpl/{account}/{template.pk}"
        if not root.is_dir():
            raise TransferFailed(f"the secondary storage {store.url} is not mounted at {root}")
        identical = _identical_copy(root, rel, template, props.size, props.checksum or template.swift_md5)
        if identical is not None:
            progress.write(force=True, bytes_total=props.size)
            _record_ready(template, transfer.zone, store, rel, root / rel / props.filename)
            logger.info("transfer %s: zone %s already holds an identical T-%s", transfer.pk,
                        transfer.zone.name, template.pk)
            return identical.props.checksum
        headers, body = swift.get_object(conn, container, props.filename, chunk_size=CHUNK)
        size = int(headers.get("content-length", -1))
        if size != props.size:
            raise TransferFailed(f"the image in Swift has {size} bytes, template.properties says {props.size}")
        progress.write(force=True, bytes_total=size)
        folder, created = make_template_folder(root, rel, store)
        image = folder / props.filename
        temp = folder / f".{props.filename}.part-{transfer.pk}"
        props_temp = folder / f".{properties.FILENAME}.part-{transfer.pk}"
        wrote_image = False
        try:
            whole = hashlib.md5()
            throttle = Throttle()
            try:
                with open(temp, "wb") as out:
                    for chunk in body:
                        whole.update(chunk)
                        out.write(chunk)
                        throttle(len(chunk))
                        progress.add(len(chunk))
                        progress.write()
                    out.flush()
                    os.fsync(out.fileno())
            except OSError as exc:
                raise storage_error(exc, store) from None
            md5_hex = whole.hexdigest()
            progress.write(force=True, state=Transfer.State.VERIFYING)
            written = temp.stat().st_size
            if written != size:
                raise swift.SwiftError(f"download ended after {written} of {size} bytes", transient=True)
            expected = props.checksum or headers.get(META_MD5.lower(), "")
            if not headers.get("x-static-large-object") and headers.get("etag", "").strip('"') != md5_hex:
                raise swift.SwiftError("the downloaded bytes differ from Swift's ETag", transient=True)
            if expected and expected != md5_hex:
                raise TransferFailed(f"checksum mismatch: expected {expected}, the downloaded image's MD5 is {md5_hex}")
            try:
                (folder / properties.FILENAME).unlink(missing_ok=True)
                os.replace(temp, image)
                wrote_image = True
                with open(props_temp, "wb") as out:
                    out.write(props_bytes)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(props_temp, folder / properties.FILENAME)
            except OSError as exc:
                raise storage_error(exc, store) from None
        except BaseException:
            temp.unlink(missing_ok=True)
            props_temp.unlink(missing_ok=True)
            if wrote_image and not (folder / properties.FILENAME).exists():
                image.unlink(missing_ok=True)
            remove_created(created)
            raise
        _record_ready(template, transfer.zone, store, rel, image)
        return md5_hex
    finally:
        conn.close()


def _record_ready(template: Template, zone, store: SecondaryStorage, rel: str, image: Path) -> None:
    st = image.stat()
    TemplateLocation.objects.update_or_create(
        template=template, zone=zone,
        defaults=dict(secondary_storage=store, state=TemplateLocation.State.READY, reason="", path=rel,
                      image_size=st.st_size, image_mtime=st.st_mtime, last_seen=timezone.now()))


# --- running a Transfer row --------------------------------------------------------
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


def run_transfer(transfer_id: int, *, worker: str = "") -> str | None:
    """Claim and run one transfer; returns the state it ended in (None when
    it was not ours to run)."""
    claimed = claim(transfer_id, worker)
    if claimed is None:
        return None
    transfer, token = claimed
    progress = Progress(transfer, token)
    label = f"T-{transfer.template_id}"
    store = SwiftStore.objects.first()
    try:
        if transfer.attempts > settings.TRANSFER_MAX_ATTEMPTS:  # e.g. its worker keeps dying
            raise TransferFailed(f"gave up after {transfer.attempts - 1} attempts")
        if transfer.direction == Transfer.Direction.DOWNLOAD:
            from storage.transfers.downloads import download  # Register template: from a URL, Swift not needed

            md5_hex = download(transfer, progress)
        elif store is None:
            raise TransferFailed("Swift is not configured")
        elif transfer.direction == Transfer.Direction.UP:
            md5_hex = upload(transfer, progress, swift.Credentials.from_store(store), store.capabilities or {})
        else:
            md5_hex = copy_down(transfer, progress, swift.Credentials.from_store(store))
    except TransferStopped:
        _after_stop(transfer)
        return Transfer.objects.filter(pk=transfer.pk).values_list("state", flat=True).first()
    except (TransferFailed, swift.SwiftError, OSError) as exc:
        transient = bool(getattr(exc, "transient", False))
        if isinstance(exc, FileNotFoundError):
            message = "a source file vanished during the copy"
        elif isinstance(exc, OSError) and not isinstance(exc, swift.SwiftError):
            message = f"file error: {exc.strerror or type(exc).__name__}"
        else:
            message = str(exc)
        attempts = Transfer.objects.filter(pk=transfer.pk).values_list("attempts", flat=True).first() or 1
        if transient and attempts < settings.TRANSFER_MAX_ATTEMPTS:
            delay = backoff_seconds(attempts)
            if _finish(transfer, token, state=Transfer.State.QUEUED, claim=None, bytes_done=progress.done,
                       last_error=f"{message} (attempt {attempts}; retrying in {delay:.0f} s)"):
                enqueue(transfer.pk, countdown=delay)
                logger.warning("transfer %s: %s; retry in %.1f s", transfer.pk, message, delay)
            return Transfer.State.QUEUED
        if transient:
            message = f"{message} (gave up after {attempts} attempts)"
        with transaction.atomic():
            if _finish(transfer, token, state=Transfer.State.FAILED, last_error=message, finished=timezone.now(),
                       bytes_done=max(0, progress.done), rate=0):
                events.record_failure("transfer.fail", username="worker", target=label, detail=message[:2000])
        logger.warning("transfer %s failed: %s", transfer.pk, message)
        return Transfer.State.FAILED
    except Exception as exc:  # noqa: BLE001 - the row must never stay "running"
        logger.exception("transfer %s: unexpected error", transfer.pk)
        message = f"unexpected error ({type(exc).__name__})"
        with transaction.atomic():
            if _finish(transfer, token, state=Transfer.State.FAILED, last_error=message, finished=timezone.now()):
                events.record_failure("transfer.fail", username="worker", target=label, detail=message)
        return Transfer.State.FAILED
    now = timezone.now()
    with transaction.atomic():  # the row and the template change together
        if not _finish(transfer, token, state=Transfer.State.DONE, md5=md5_hex, last_error="", finished=now,
                       bytes_done=F("bytes_total"), rate=0):
            return None
        if transfer.direction == Transfer.Direction.UP:
            total = Transfer.objects.filter(pk=transfer.pk).values_list("bytes_total", flat=True).first()
            Template.objects.filter(pk=transfer.template_id).update(
                swift_state=Template.SwiftState.STORED, swift_md5=md5_hex, swift_size=total,
                swift_stored_at=now, updated=now)
        direction = {Transfer.Direction.UP: "to Swift", Transfer.Direction.DOWN: f"to zone {transfer.zone.name}",
                     Transfer.Direction.DOWNLOAD: f"from its URL to zone {transfer.zone.name}"}[transfer.direction]
        events.record("transfer.done", username="worker", target=label,
                      detail=f"copied {direction}, MD5 {md5_hex}")
    return Transfer.State.DONE


def _after_stop(transfer: Transfer) -> None:
    """A cancelled upload leaves no segments behind; a taken-over one leaves
    them to its new owner."""
    state = Transfer.objects.filter(pk=transfer.pk).values_list("state", flat=True).first()
    if state != Transfer.State.CANCELLED or transfer.direction != Transfer.Direction.UP:
        return
    store = SwiftStore.objects.first()
    if store is None:
        return
    try:
        with swift.store_connection(store, timeout=SWIFT_TIMEOUT) as conn:
            container = transfer.template.swift_container
            if swift.head_object(conn, container, properties.FILENAME) is None:
                cleanup_segments(conn, f"{container}_segments", keep_prefix=None)
    except swift.SwiftError as exc:
        logger.warning("transfer %s: segments not cleaned after cancel: %s", transfer.pk, exc)
