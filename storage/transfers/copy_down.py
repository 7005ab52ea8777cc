"""The runner of direction DOWN: a template from Swift into a zone's NFS
secondary storage, through the one writer of template folders
(storage.secondary.writer): skipped when the zone already holds an
identical copy (same size and checksum); else the image under a temporary
name, verified (size, ETag, whole-file MD5 against the checksum), renamed;
template.properties last."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from cloudadmin.messages import coded
from storage.failures import TransferFailed
from storage.models import SwiftStore, Template, Transfer
from storage.secondary import layout, properties
from storage.secondary.writer import TemplateWriter, record_ready
from storage.swift import client as swift
from storage.swift.objects import CHUNK, META_MD5, SWIFT_TIMEOUT
from storage.transfers.progress import Progress

logger = logging.getLogger(__name__)


def _identical_copy(root: Path, rel: str, template: Template, size: int, md5_hex: str):
    """The Entry of a complete copy of this template already in the folder
    with the same size and checksum, else None."""
    folder = root / rel
    if not md5_hex or not folder.is_dir():
        return None
    entry = layout.check_folder(str(folder), rel, os.path.realpath(root), template.pk, template.account_id or 0)
    if entry.complete and entry.props.checksum == md5_hex and entry.image_size == size:
        return entry
    return None


def _read_properties(conn, template: Template) -> tuple[properties.TemplateProperties, bytes]:
    props_head, props_bytes = swift.get_object(conn, template.swift_container, properties.FILENAME)
    if props_head is None:
        raise TransferFailed(coded("template.properties is not in Swift"))
    try:
        return properties.check(properties.parse(props_bytes), folder_id=template.pk), props_bytes
    except properties.PropertiesError as exc:
        raise TransferFailed(coded("template.properties in Swift: %(error)s", error=str(exc))) from None


def run(transfer: Transfer, progress: Progress, store: SwiftStore) -> str:
    """Copy the template down; returns the whole-file MD5. An existing
    template.properties is removed before the image is replaced; a failure
    (a full or read-only store, a cancel) removes what this copy wrote."""
    template = transfer.template
    nfs_store, root = layout.zone_store_root(transfer.zone)
    conn = swift.connect(swift.Credentials.from_store(store), timeout=SWIFT_TIMEOUT)
    try:
        swift.authenticate(conn)
        props, props_bytes = _read_properties(conn, template)
        account = template.account_id if template.account_id is not None else 1
        rel = layout.template_rel(account, template.pk)
        if not root.is_dir():
            raise TransferFailed(coded("the secondary storage %(url)s is not mounted at %(folder)s",
                                         url=nfs_store.url, folder=root))
        identical = _identical_copy(root, rel, template, props.size, props.checksum or template.swift_md5)
        if identical is not None:
            progress.write(force=True, bytes_total=props.size)
            record_ready(template, transfer.zone, nfs_store, rel, root / rel / props.filename)
            logger.info("transfer %s: zone %s already holds an identical T-%s", transfer.pk,
                        transfer.zone.name, template.pk)
            return identical.props.checksum
        headers, body = swift.get_object(conn, template.swift_container, props.filename, chunk_size=CHUNK)
        size = int(headers.get("content-length", -1))
        if size != props.size:
            raise TransferFailed(coded("the image in Swift has %(size)s bytes, template.properties says %(expected)s",
                                     size=size, expected=props.size))
        progress.write(force=True, bytes_total=size)
        with TemplateWriter(root, rel, nfs_store, f".{props.filename}.part-{transfer.pk}") as writer:
            md5_hex = writer.write_image(body, progress.counter())
            progress.write(force=True, state=Transfer.State.VERIFYING)
            _verify(writer.size, size, md5_hex, headers, props)
            image = writer.commit(props.filename, props_bytes, tag=transfer.pk)
        record_ready(template, transfer.zone, nfs_store, rel, image)
        return md5_hex
    finally:
        conn.close()


def _verify(written: int, size: int, md5_hex: str, headers: dict, props: properties.TemplateProperties) -> None:
    if written != size:
        raise swift.SwiftError(coded("download ended after %(written)s of %(size)s bytes", written=written, size=size),
                               transient=True)
    expected = props.checksum or headers.get(META_MD5.lower(), "")
    if not headers.get("x-static-large-object") and headers.get("etag", "").strip('"') != md5_hex:
        raise swift.SwiftError(coded("the downloaded bytes differ from Swift's ETag"), transient=True)
    if expected and expected != md5_hex:
        raise TransferFailed(coded("checksum mismatch: expected %(expected)s, the downloaded image's MD5 is %(md5)s",
                                   expected=expected, md5=md5_hex))
