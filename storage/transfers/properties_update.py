"""The runner of direction PROPERTIES (Edit template): the template row's
`uniquename`, `description` and `public` written into template.properties
of every copy, each zone's NFS folder (one atomic rename through
storage.secondary.writer) and Swift's T-<id>/template.properties (its
metadata kept). Other keys, unknown ones included, stay as they are. The
values are read from the row when the run starts, and again at the end: an
edit made meanwhile is written by the same run."""
from __future__ import annotations

import hashlib
import os

from cloudadmin.messages import Message, coded
from storage.failures import TransferFailed, TransferWaits
from storage.models import SwiftStore, Template, TemplateLocation, Transfer
from storage.secondary import nfs, properties
from storage.secondary.writer import rewrite_properties
from storage.swift import client as swift
from storage.swift.objects import SWIFT_TIMEOUT, put_properties
from storage.transfers.progress import Progress

# The keys of template.properties that Edit template changes (CloudStack's
# names; featured, password enabled, extractable and the OS type live in
# CloudStack's database, not in this file).
EDITED_KEYS = ("uniquename", "description", "public")
# Copies that must not be written while they run: the upload writes Swift's
# template.properties from NFS, a copy down writes the zone's.
COPIES = (Transfer.Direction.UP, Transfer.Direction.DOWN, Transfer.Direction.DOWNLOAD)
MAX_PASSES = 3


def wanted(template: Template) -> dict[str, str]:
    return {key: template.properties[key] for key in EDITED_KEYS if key in template.properties}


def rewritten(current: bytes, values: dict[str, str], where: Message | str) -> bytes | None:
    """The new content, or None when the copy already says so."""
    try:
        parsed = properties.parse(current)
    except properties.PropertiesError as exc:
        raise TransferFailed(coded("template.properties %(where)s: %(error)s", where=where, error=str(exc))) from None
    if all(parsed.get(key) == value for key, value in values.items()):
        return None
    return properties.serialise({**parsed, **values}).encode()


def _write_nfs(location: TemplateLocation, values: dict, transfer: Transfer) -> bytes | None:
    store = location.secondary_storage
    root = nfs.local_path(store.server, store.path)
    folder = root / location.path
    real_root = os.path.realpath(root)
    if not location.path or not os.path.realpath(folder).startswith(real_root + os.sep):
        raise TransferFailed(coded("zone %(zone)s: the template folder is not inside %(url)s",
                                   zone=location.zone.name, url=store.url))
    where = coded("in zone %(zone)s", zone=location.zone.name)
    try:
        current = (folder / properties.FILENAME).read_bytes()
    except FileNotFoundError:
        return None  # gone since the scan: nothing to correct there
    new = rewritten(current, values, where)
    if new is not None:
        rewrite_properties(folder, new, store, tag=transfer.pk)
    return new


def _write_swift(store: SwiftStore, template: Template, values: dict) -> bytes | None:
    with swift.store_connection(store, timeout=SWIFT_TIMEOUT) as conn:
        head, current = swift.get_object(conn, template.swift_container, properties.FILENAME)
        new = rewritten(current, values, coded("in Swift"))
        if new is not None:
            meta = {key.title(): value for key, value in head.items() if key.startswith("x-object-meta-")}
            put_properties(conn, template.swift_container, new, meta)
    return new


def run(transfer: Transfer, progress: Progress, store: SwiftStore | None) -> str:
    template = Template.objects.get(pk=transfer.template_id)
    busy = template.transfers.filter(direction__in=COPIES, state__in=Transfer.ACTIVE_STATES).first()
    if busy is not None:
        raise TransferWaits(coded("transfer %(id)s is copying the template; written after it", id=busy.pk))
    last = b""
    for _ in range(MAX_PASSES):
        values = wanted(template)
        written = 0
        locations = (template.locations.filter(state=TemplateLocation.State.READY, secondary_storage__isnull=False)
                     .select_related("zone", "secondary_storage"))
        for location in locations:
            new = _write_nfs(location, values, transfer)
            written += len(new or b"")
            last = new or last
            progress.write(force=True, bytes_total=written)
        if store is not None and template.swift_state == Template.SwiftState.STORED:
            new = _write_swift(store, template, values)
            last = new or last
            written += len(new or b"")
        progress.add(written)
        progress.write(force=True, bytes_total=progress.done)
        template.refresh_from_db()
        if wanted(template) == values:
            break
    return hashlib.md5(last).hexdigest()


def describe(transfer: Transfer) -> Message:
    return coded("template.properties to every copy (Swift and the zones' secondary storage)")
