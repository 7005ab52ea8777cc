"""The runner of direction UP: a template from a zone's NFS to Swift
(storage.swift.objects says how it is stored there). Each worker thread
keeps its Swift connection and token across transfers
(storage.swift.pipeline.thread_connection).

One object (up to `swift.segment.size`): the database only chooses what to
ask first. For the template's first upload, the container PUT (201: a new
container holds nothing to look at); otherwise, or when it existed (202),
one listing says what Swift holds: nothing to send for this very copy,
else template.properties goes first (Swift must not claim a complete
template while the image is replaced). Then the image (a small one, up to
SMALL_OBJECT, read whole and sent with its MD5 for Swift to check; a
larger one streamed and hashed by a thread) and template.properties, back
to back on the kept connection: a new small template costs 4 requests with
the authentication, one Swift holds 1 (2).

Above it, a Static Large Object, unless Swift holds this very copy:
`swift.transfer.concurrency` threads each take the next segment, read it
with pread, hash it and PUT it on their own connection (Swift's ETag must
match), one more thread computes the whole-file MD5 (compared with
template.properties' checksum), and the calling thread writes progress and
heartbeat, checks the source and stops them all on a cancel, a failure or a
stall (storage.swift.pipeline); then template.properties, and segments of
other plans or abandoned attempts are deleted. Segments in Swift with the
right size are kept when their MD5 matches: a retry sends only the rest.
The source may not change during the copy (SourceChanged)."""
from __future__ import annotations

import hashlib
import math
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from cloudadmin import config
from cloudadmin.messages import coded
from storage.failures import SourceChanged, TransferFailed
from storage.models import SwiftStore, Template, TemplateLocation, Transfer
from storage.secondary import layout, nfs, properties
from storage.swift import client as swift
from storage.swift import objects, pipeline
from storage.swift.objects import CHUNK, MIB, SWIFT_TIMEOUT
from storage.swift.pipeline import Pipeline
from storage.transfers.progress import Progress, StallWatch, Throttle

SMALL_OBJECT = 8 * 1024 * 1024  # read whole, so its ETag goes with the PUT


@dataclass
class Source:
    folder: Path
    props: properties.TemplateProperties
    props_bytes: bytes
    image: Path
    size: int
    mtime: float


@dataclass
class Upload:
    """One upload's fixed facts, handed to its steps."""

    transfer: Transfer
    source: Source
    conn: object
    new_connection: object
    progress: Progress
    container: str

    def meta(self, md5_hex: str) -> dict:
        return objects.metadata(self.transfer.template_id, self.transfer.zone.name, md5_hex,
                                self.source.size, self.source.mtime)


def open_source(transfer: Transfer) -> Source:
    """Check the template's folder as the scanner does, now."""
    template = transfer.template
    location = TemplateLocation.objects.filter(template=template, zone=transfer.zone).first()
    if location is None or not location.path:
        raise TransferFailed(coded("the template was never seen on this zone's secondary storage"))
    store = location.secondary_storage or layout.zone_store_root(transfer.zone)[0]
    root = nfs.local_path(store.server, store.path)
    folder = root / location.path
    entry = layout.check_folder(str(folder), location.path, os.path.realpath(root), template.pk,
                                template.account_id or 0)
    if not entry.complete:
        raise TransferFailed(coded("the template on NFS is not complete any more: %(reason)s", reason=entry.reason))
    props_bytes = (folder / properties.FILENAME).read_bytes()
    return Source(folder=folder, props=entry.props, props_bytes=props_bytes,
                  image=folder / entry.props.filename, size=entry.image_size, mtime=entry.image_mtime)


def _check_unchanged(fd: int, source: Source) -> None:
    st = os.fstat(fd)
    try:
        now = os.stat(source.image)
    except FileNotFoundError:
        raise SourceChanged(coded("the image vanished from NFS during the copy")) from None
    if (st.st_size, st.st_mtime) != (source.size, source.mtime) or \
            (now.st_size, now.st_mtime, now.st_ino) != (st.st_size, st.st_mtime, st.st_ino):
        raise SourceChanged(coded("the image changed on NFS during the copy (size or modification time); "
                                  "nothing was marked complete, the next scan copies it again"))


def _verify_checksum(source: Source, md5_hex: str) -> None:
    if source.props.checksum and source.props.checksum != md5_hex:
        raise TransferFailed(coded("checksum mismatch: template.properties says %(expected)s, "
                                   "the image's MD5 is %(md5)s", expected=source.props.checksum, md5=md5_hex))


def run(transfer: Transfer, progress: Progress, store: SwiftStore) -> str:
    """Copy the template up; returns the whole-file MD5."""
    creds, caps = swift.Credentials.from_store(store), store.capabilities or {}
    source = open_source(transfer)
    if (transfer.source_size, transfer.source_mtime) != (source.size, source.mtime):
        Transfer.objects.filter(pk=transfer.pk).update(source_size=source.size, source_mtime=source.mtime)
    container = transfer.template.swift_container
    segment_size = objects.plan_segment_size(
        source.size, config.value("swift.segment.size"), caps,
        path_length=len(objects.segments_container(container)) + len(source.props.filename) + 60)
    try:
        conn = pipeline.thread_connection(creds, timeout=SWIFT_TIMEOUT)
        job = Upload(transfer, source, conn,
                     pipeline.token_sharing_connections(creds, conn, timeout=SWIFT_TIMEOUT), progress, container)
        return _upload_segmented(job, segment_size) if segment_size else _upload_single(job)
    except BaseException:
        pipeline.forget_thread_connection()  # the next transfer starts from a sound connection
        raise


def _already_stored(job: Upload, md5_hex: str) -> str:
    job.progress.add(job.source.size - job.progress.done)
    job.progress.write(force=True, bytes_total=job.source.size, last_error="")
    return md5_hex


def _unmark_complete(job: Upload) -> None:
    """Delete template.properties before the image is replaced: until the
    new copy is verified, Swift must not claim a complete template."""
    if swift.delete_object(job.conn, job.container, properties.FILENAME):
        Template.objects.filter(pk=job.transfer.template_id).update(
            swift_state=Template.SwiftState.ABSENT, updated=timezone.now())


def _first_upload(transfer: Transfer) -> bool:
    """Whether the database knows of no earlier upload of this template."""
    return transfer.attempts <= 1 and not Transfer.objects.filter(
        template_id=transfer.template_id, direction=Transfer.Direction.UP).exclude(pk=transfer.pk).exists()


def _segmented_before(transfer: Transfer) -> bool:
    """Whether an upload of this template ever planned segments (that an
    abandoned attempt may have left in T-<id>_segments)."""
    return Transfer.objects.filter(template_id=transfer.template_id, direction=Transfer.Direction.UP,
                                   segment_size__isnull=False).exists()


# --- one object: a small one read whole, a larger one streamed -------------------
def _read_whole(source: Source) -> tuple[bytes, str]:
    with open(source.image, "rb") as handle:
        _check_unchanged(handle.fileno(), source)
        data = handle.read(source.size + 1)
        Throttle()(len(data))
        _check_unchanged(handle.fileno(), source)
    if len(data) != source.size:
        raise SourceChanged(coded("the image changed on NFS during the copy"))
    return data, hashlib.md5(data).hexdigest()


def _listing(job: Upload) -> dict[str, dict]:
    """What T-<id> holds (one request): nothing when this first upload of
    the template just created the container."""
    if _first_upload(job.transfer) and swift.ensure_container(job.conn, job.container):
        return {}
    listing = objects.stored_objects(job.conn, job.container)
    if listing is None:
        swift.ensure_container(job.conn, job.container)
        return {}
    return listing


def _upload_single(job: Upload) -> str:
    """The image as one object (module docstring): a small one read whole,
    whose MD5 is known before the listing; a larger one's is the checksum
    of template.properties, if any, until the stream has hashed it."""
    source, progress = job.source, job.progress
    small = source.size <= SMALL_OBJECT
    data, md5_hex = _read_whole(source) if small else (b"", source.props.checksum)
    leftovers = _segmented_before(job.transfer)
    listing = _listing(job)
    if md5_hex and objects.holds_object_copy(listing, source.props.filename, md5_hex, source.size,
                                             source.props_bytes):
        _verify_checksum(source, md5_hex)
        return _already_stored(job, md5_hex)
    if not md5_hex and source.props.filename in listing:  # no checksum: the metadata says which copy
        done_md5 = objects.stored_copy_md5(job.conn, job.container, source.props, source.props_bytes,
                                           source.size, source.mtime)
        if done_md5 is not None:
            return _already_stored(job, done_md5)
    if properties.FILENAME in listing:
        _unmark_complete(job)
    progress.done = 0
    progress.write(force=True, bytes_total=source.size, segment_size=None, segments_total=1, segments_done=0,
                   segments_reused=0)
    if small:
        _put_small(job, data, md5_hex)
    else:
        md5_hex = _upload_object(job)
        objects.put_properties(job.conn, job.container, source.props_bytes, job.meta(md5_hex))
    if leftovers or any(objects.is_manifest(obj) for obj in listing.values()):
        objects.cleanup_segments(job.conn, objects.segments_container(job.container), keep_prefix=None)
    return md5_hex


def _put_small(job: Upload, data: bytes, md5_hex: str) -> None:
    """The image, then template.properties, back to back on one kept-alive
    connection. template.properties goes only once Swift stored the image
    with the MD5 sent along (else 422): its presence says complete."""
    source = job.source
    job.progress.write(force=True, state=Transfer.State.VERIFYING)
    _verify_checksum(source, md5_hex)
    headers = job.meta(md5_hex)
    swift.put_object(job.conn, job.container, source.props.filename, data, content_length=len(data),
                     etag=md5_hex, headers=headers)
    job.progress.add(len(data))
    objects.put_properties(job.conn, job.container, source.props_bytes, headers)


# --- a Static Large Object: threads reading their own ranges ------------------------
def _upload_segmented(job: Upload, segment_size: int) -> str:
    source, progress, conn, container = job.source, job.progress, job.conn, job.container
    done_md5 = objects.stored_copy_md5(conn, container, source.props, source.props_bytes, source.size,
                                       source.mtime)
    if done_md5 is not None:
        return _already_stored(job, done_md5)
    swift.ensure_container(conn, container)
    _unmark_complete(job)
    progress.done = 0
    progress.write(force=True, bytes_total=source.size, segment_size=segment_size,
                   segments_total=math.ceil(source.size / segment_size), segments_done=0, segments_reused=0)
    md5_hex = _upload_slo(job, segment_size)
    objects.put_properties(conn, container, source.props_bytes, job.meta(md5_hex))
    objects.cleanup_segments(conn, objects.segments_container(container), keep_prefix=objects.segment_prefix(
        source.props.filename, source.size, source.mtime, segment_size))
    return md5_hex


@contextmanager
def _opened(source: Source):
    """The image's file descriptor, checked against what the scan saw."""
    fd = os.open(source.image, os.O_RDONLY)
    try:
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        except (AttributeError, OSError):
            pass
        _check_unchanged(fd, source)
        yield fd
        _check_unchanged(fd, source)  # every byte was read from the copy the scan saw
    finally:
        os.close(fd)


def _shorter(fd: int, source: Source):
    """What a short read raises: the change it reveals, if the stat shows one."""
    def short():
        _check_unchanged(fd, source)
        return SourceChanged(coded("the image became shorter on NFS during the copy"))

    return short


@dataclass
class _Counts:
    """Segments sent or kept so far (appended to by the uploading threads)."""

    done: list = field(default_factory=list)
    reused: list = field(default_factory=list)
    hashed: int = 0  # bytes the whole-file MD5 thread read: it moves too

    def add_hashed(self, count: int) -> None:
        self.hashed += count  # one writer thread; readers only compare


def _ticker(job: Upload, fd: int, counts: _Counts | None = None):
    """The calling thread's tick while the threads copy: the source check,
    progress and heartbeat (which raise TransferStopped on a cancel), and
    the stall watch."""
    stall = StallWatch(lambda: job.progress.done + (counts.hashed if counts is not None else 0))

    def tick():
        _check_unchanged(fd, job.source)
        if counts is not None:
            job.progress.set(segments_done=len(counts.done), segments_reused=len(counts.reused))
        job.progress.write()
        stall.check()

    return tick


def _upload_object(job: Upload) -> str:
    """One object, streamed by one thread that hashes what it sends: the
    object's MD5 is the whole-file MD5."""
    source, progress, conn, container = job.source, job.progress, job.conn, job.container
    checksum = source.props.checksum
    with _opened(source) as fd:
        pipe = Pipeline(job.new_connection, 1, _ticker(job, fd))
        throttle, short = Throttle(stop=pipe.abort), _shorter(fd, source)
        # With a checksum the metadata is known now (and checked below); else POSTed once known.
        pipe.submit(lambda: pipe.put_range(container, source.props.filename, fd, 0, source.size,
                                           throttle=throttle, short=short, on_bytes=progress.add,
                                           headers=job.meta(checksum)))
        md5_hex = pipe.wait()[0]
    progress.write(force=True, state=Transfer.State.VERIFYING)
    try:
        _verify_checksum(source, md5_hex)
    except TransferFailed:
        swift.delete_object(conn, container, source.props.filename)
        raise
    if not checksum:
        swift.post_object(conn, container, source.props.filename, job.meta(md5_hex))
    return md5_hex


def _upload_slo(job: Upload, segment_size: int) -> str:
    source, progress = job.source, job.progress
    count = math.ceil(source.size / segment_size)
    segments = objects.segments_container(job.container)
    swift.ensure_container(job.conn, segments)
    prefix = objects.segment_prefix(source.props.filename, source.size, source.mtime, segment_size)
    existing = {o["name"]: o for o in swift.list_objects(job.conn, segments, prefix=prefix)}
    # Each thread holds one read buffer: TRANSFER_READ_AHEAD_MB bounds them.
    concurrency = min(config.value("swift.transfer.concurrency"),
                      max(1, settings.TRANSFER_READ_AHEAD_MB * MIB // CHUNK))
    counts = _Counts()
    with _opened(source) as fd:
        pipe = Pipeline(job.new_connection, concurrency + 1, _ticker(job, fd, counts))
        sender = _SegmentSender(job, pipe, fd, segment_size, existing, counts)
        # The whole-file MD5: its own thread reading in order (from the page cache, mostly).
        pipe.submit(lambda: pipe.md5_range(fd, 0, source.size, throttle=lambda count: None, short=sender.short,
                                           on_bytes=counts.add_hashed))
        pipe.each(sender.send, range(count), concurrency)
        md5_hex = pipe.wait()[0]
    progress.write(force=True, state=Transfer.State.VERIFYING, segments_done=count,
                   segments_reused=len(counts.reused))
    _verify_checksum(source, md5_hex)
    objects.put_manifest(job.conn, job.container, source.props.filename, [
        (objects.segment_name(source.props.filename, source.size, source.mtime, segment_size, i),
         sender.etags[i], min(segment_size, source.size - i * segment_size)) for i in range(count)],
        job.meta(md5_hex), source.size)
    return md5_hex


class _SegmentSender:
    """send(index), in an uploading thread: one segment read with pread,
    hashed and PUT, or kept when Swift already holds it with that MD5."""

    def __init__(self, job: Upload, pipe: Pipeline, fd: int, segment_size: int, existing: dict,
                 counts: _Counts):
        self.job, self.pipe, self.fd, self.segment_size = job, pipe, fd, segment_size
        self.existing, self.counts = existing, counts
        self.segments = objects.segments_container(job.container)
        self.throttle = Throttle(stop=pipe.abort)  # shared: caps the copy's total rate in tests
        self.short = _shorter(fd, job.source)
        self.etags: list[str | None] = [None] * math.ceil(job.source.size / segment_size)

    def send(self, index: int) -> None:
        source, progress, pipe = self.job.source, self.job.progress, self.pipe
        _check_unchanged(self.fd, source)
        offset = index * self.segment_size
        length = min(self.segment_size, source.size - offset)
        name = objects.segment_name(source.props.filename, source.size, source.mtime, self.segment_size, index)
        ranged = dict(throttle=self.throttle, short=self.short, on_bytes=progress.add)
        old = self.existing.get(name)
        if old is None or old.get("bytes") != length:
            self.etags[index] = pipe.put_range(self.segments, name, self.fd, offset, length, **ranged)
        else:
            digest = pipe.md5_range(self.fd, offset, length, **ranged)
            if old.get("hash") == digest:
                self.counts.reused.append(index)
                self.etags[index] = digest
            else:
                # A damaged leftover: sent again; its MD5 is known, so Swift checks the body against it.
                progress.add(-length)
                self.etags[index] = pipe.put_range(self.segments, name, self.fd, offset, length, etag=digest,
                                                   **ranged)
        self.counts.done.append(index)


def after_cancel(transfer: Transfer) -> None:
    """A cancelled upload leaves no segments behind."""
    store = SwiftStore.objects.first()
    if store is None:
        return
    with swift.store_connection(store, timeout=SWIFT_TIMEOUT) as conn:
        objects.cleanup_abandoned(conn, transfer.template.swift_container)
