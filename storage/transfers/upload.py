"""The runner of direction UP: a template from a zone's NFS to Swift
(storage.swift.objects says how it is stored there).

  1. skip when Swift already holds this very copy (sizes and MD5 agree);
  2. the image: one object up to `swift.segment.size`, above it a Static
     Large Object whose segments upload in parallel
     (`swift.transfer.concurrency`);
  3. one sequential read of the file feeds the uploads and both hashes
     (each segment's MD5, compared with the ETag Swift returns, and the
     whole-file MD5, compared with template.properties' checksum) through a
     bounded read-ahead, so memory stays flat whatever the size;
  4. template.properties last;
  5. segments of other plans or abandoned attempts are deleted.
Segments already in Swift with the right size are hashed as the read goes
by and kept when their ETag matches: a retry sends only the rest. The
source may not change during the copy (SourceChanged).
"""
from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from cloudadmin import config
from cloudadmin.messages import coded
from storage.failures import SourceChanged, TransferFailed
from storage.models import SwiftStore, Template, TemplateLocation, Transfer
from storage.secondary import layout, nfs, properties
from storage.swift import client as swift
from storage.swift import objects
from storage.swift.objects import CHUNK, SWIFT_TIMEOUT
from storage.swift.pipeline import Pipeline, token_sharing_connections
from storage.transfers.progress import Progress, Throttle

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
        raise TransferFailed("the template was never seen on this zone's secondary storage")
    store = location.secondary_storage or layout.zone_store_root(transfer.zone)[0]
    root = nfs.local_path(store.server, store.path)
    folder = root / location.path
    entry = layout.check_folder(str(folder), location.path, os.path.realpath(root), template.pk,
                                template.account_id or 0)
    if not entry.complete:
        raise TransferFailed(f"the template on NFS is not complete any more: {entry.reason}")
    props_bytes = (folder / properties.FILENAME).read_bytes()
    return Source(folder=folder, props=entry.props, props_bytes=props_bytes,
                  image=folder / entry.props.filename, size=entry.image_size, mtime=entry.image_mtime)


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
    segments = objects.segments_container(container)
    conn = swift.connect(creds, timeout=SWIFT_TIMEOUT)
    try:
        storage_url = swift.authenticate(conn)
        done_md5 = objects.stored_copy_md5(conn, container, source.props, source.props_bytes, source.size,
                                           source.mtime)
        if done_md5 is not None:
            progress.add(source.size - progress.done)
            progress.write(force=True, bytes_total=source.size, last_error="")
            return done_md5
        segment_size = objects.plan_segment_size(
            source.size, config.value("swift.segment.size"), caps,
            path_length=len(segments) + len(source.props.filename) + 60)
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
        job = Upload(transfer, source, conn, token_sharing_connections(creds, conn, storage_url,
                                                                       timeout=SWIFT_TIMEOUT),
                     progress, container)
        md5_hex = _upload_slo(job, segment_size) if segment_size else _upload_object(job)
        objects.put_properties(conn, container, source.props_bytes, job.meta(md5_hex))
        objects.cleanup_segments(conn, segments, keep_prefix=(
            objects.segment_prefix(source.props.filename, source.size, source.mtime, segment_size)
            if segment_size else None))
        return md5_hex
    finally:
        conn.close()


def _upload_object(job: Upload) -> str:
    source, progress, conn, container = job.source, job.progress, job.conn, job.container
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
                             etag=md5_hex, headers=job.meta(md5_hex))
            progress.add(len(data))
            return md5_hex
        whole = hashlib.md5()
        pipeline = Pipeline(job.new_connection, 1, progress)
        try:
            # One object: its MD5 is the whole-file MD5 the reader computes.
            feed, finish = pipeline.stream(container, source.props.filename, source.size,
                                           headers=job.meta(""), hash_here=False)
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
    swift.post_object(conn, container, source.props.filename, job.meta(md5_hex))
    return md5_hex


def _upload_slo(job: Upload, segment_size: int) -> str:
    source, progress = job.source, job.progress
    count = math.ceil(source.size / segment_size)
    segments = objects.segments_container(job.container)
    swift.ensure_container(job.conn, segments)
    prefix = objects.segment_prefix(source.props.filename, source.size, source.mtime, segment_size)
    existing = {o["name"]: o for o in swift.list_objects(job.conn, segments, prefix=prefix)}
    etags: list[str | None] = [None] * count
    pipeline = Pipeline(job.new_connection, config.value("swift.transfer.concurrency"), progress)
    try:
        with open(source.image, "rb") as handle:
            try:
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
            except (AttributeError, OSError):
                pass
            md5_hex, reused = _send_segments(job, handle, pipeline, segment_size, existing, etags)
        results = pipeline.wait()
    finally:
        pipeline.close()
    for name, etag in results:  # each checked against the MD5 of what was sent
        etags[int(name.rsplit("/", 1)[1])] = etag
    progress.write(force=True, state=Transfer.State.VERIFYING, segments_done=count, segments_reused=reused)
    _verify_checksum(source, md5_hex)
    objects.put_manifest(job.conn, job.container, source.props.filename, [
        (objects.segment_name(source.props.filename, source.size, source.mtime, segment_size, i), etags[i],
         min(segment_size, source.size - i * segment_size)) for i in range(count)],
        job.meta(md5_hex), source.size)
    return md5_hex


def _send_segments(job: Upload, handle, pipeline: Pipeline, segment_size: int, existing: dict,
                   etags: list) -> tuple[str, int]:
    """Read the image once: each segment goes to the pipeline, or is hashed
    and kept when Swift already holds it. Returns the whole-file MD5 and how
    many segments were reused."""
    source, progress = job.source, job.progress
    segments = objects.segments_container(job.container)
    throttle = Throttle()
    whole = hashlib.md5()
    reused = 0
    _check_unchanged(handle, source)
    for index in range(len(etags)):
        # Cancel and source changes are checked between segments
        # (and progress writes notice a cancel within a segment).
        progress.write(force=True, segments_reused=reused)
        _check_unchanged(handle, source)
        pipeline.check()
        offset = index * segment_size
        length = min(segment_size, source.size - offset)
        name = objects.segment_name(source.props.filename, source.size, source.mtime, segment_size, index)
        old = existing.get(name)
        reuse = old is not None and old.get("bytes") == length
        segment = hashlib.md5()
        feed = finish = None
        if not reuse:
            feed, finish = pipeline.stream(segments, name, length)
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
            pipeline.submit(_resend_segment, source.image, segments, name, offset, length, digest, progress)
    _check_unchanged(handle, source)
    return whole.hexdigest(), reused


def _resend_segment(conn, image, container, name, offset, length, digest, progress):
    with open(image, "rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    etag = swift.put_object(conn, container, name, data, content_length=len(data), etag=digest)
    progress.add(len(data))
    return name, etag


def after_cancel(transfer: Transfer) -> None:
    """A cancelled upload leaves no segments behind."""
    store = SwiftStore.objects.first()
    if store is None:
        return
    with swift.store_connection(store, timeout=SWIFT_TIMEOUT) as conn:
        objects.cleanup_abandoned(conn, transfer.template.swift_container)
