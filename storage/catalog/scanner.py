"""Scanning a zone's NFS secondary storage for templates.

`scan_folder(root)` walks template/tmpl/<account id>/<template id>/
(storage.secondary.layout) and returns one `Entry` per template folder, complete or Invalid with the
reason; it never raises for a bad entry and touches no database. A folder
is complete only when its template.properties parses and the image it
names is a regular file inside the store with the stated size. Unfinished
downloads (dnld*tmp_) and any other file are simply not part of the
template. `run_scan(scan_id)` records a ZoneScan's result in the database
and queues the uploads.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cloudadmin import events, messages
from cloudadmin.messages import coded
from storage.catalog import bulk_rows, scan_runs
from storage.models import (SecondaryStorage, SwiftStore, Template, TemplateExclusion, TemplateLocation, Transfer,
                            ZoneScan)
from storage.secondary import layout, nfs
from storage.secondary.layout import Entry
from storage.transfers import queueing, replication

logger = logging.getLogger(__name__)


@dataclass
class FolderScan:
    entries: list[Entry] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # not template folders at all


def scan_folder(root: Path | str) -> FolderScan:
    """Every template folder under root/template/tmpl, checked. Raises
    OSError only when the share itself cannot be read."""
    real_root = os.path.realpath(str(root))
    walked = layout.walk(root)
    result = FolderScan(problems=walked.problems)
    seen_ids: dict[int, str] = {}
    for folder in walked.folders:
        entry = layout.check_folder(folder.path, folder.rel, real_root, folder.template_id, folder.account_id,
                                    folder_inside=folder.inside)
        if folder.template_id in seen_ids:
            entry.reason = coded("template id %(id)s also in %(folder)s", id=folder.template_id,
                                 folder=seen_ids[folder.template_id])
            entry.props = None
        else:
            seen_ids[folder.template_id] = folder.rel
        result.entries.append(entry)
    return result


# --- recording a scan --------------------------------------------------------
def run_scan_and_replicate(scan_id: int, worker: str = "") -> None:
    """Run a queued ZoneScan, then queue the copies of templates in Swift
    that the zone lacks (storage.transfers.replication)."""
    scan = run_scan(scan_id, worker)
    if scan is not None and scan.state == scan.State.DONE:  # not onto a store that cannot be read
        replication.replicate_to_zone(scan.zone_id)


def run_scan(scan_id: int, worker: str = "") -> ZoneScan | None:
    """Run one queued ZoneScan: record what every secondary storage of the
    zone holds, then queue the uploads. Returns the scan, None if it was not
    queued or was taken from this run. A scan that raises ends failed with
    its reason (storage.catalog.scan_runs), so the zone is never left held."""
    scan = scan_runs.claim(scan_id, worker)
    if scan is None:
        return None
    try:
        with scan_runs.heartbeat(scan):
            return _scan_and_record(scan)
    except scan_runs.ScanStopped:
        logger.warning("zone scan %s was requeued while this run scanned; its results are dropped", scan_id)
        return None
    except Exception as exc:
        logger.exception("zone scan %s failed", scan_id)
        return scan_runs.fail(scan, exc)


def _scan_and_record(scan: ZoneScan) -> ZoneScan:
    zone = scan.zone
    entries: list[tuple[SecondaryStorage, Entry]] = []
    problems, errors = [], []
    for store in SecondaryStorage.objects.filter(zone=zone):
        root = nfs.local_path(store.server, store.path)
        try:
            found = scan_folder(root)
        except OSError as exc:
            errors.append(f"{store.url}: {exc.strerror or exc}")
            continue
        entries += [(store, entry) for entry in found.entries]
        problems += [{**p, "storage": store.url} for p in found.problems]
    with transaction.atomic():
        record_entries(zone, _not_deleted(zone, entries), complete_scan=not errors)
        queued = queue_uploads(zone) if not errors or entries else 0
        scan.templates_found = len(entries)
        scan.templates_ready = sum(1 for _, e in entries if e.complete)
        scan.templates_invalid = len(entries) - scan.templates_ready
        scan.transfers_queued = queued
        scan.problems = problems[:1000]
        scan.error = "; ".join(errors)[:5000]
        scan.state = ZoneScan.State.FAILED if errors and not entries else ZoneScan.State.DONE
        scan.finished = scan.heartbeat = timezone.now()
        scan_runs.finish(scan, **{name: getattr(scan, name) for name in (
            "templates_found", "templates_ready", "templates_invalid", "transfers_queued", "problems",
            "error", "state", "finished", "heartbeat")})
        detail = coded("%(ready)s ready, %(invalid)s invalid, %(queued)s uploads queued",
                       ready=scan.templates_ready, invalid=scan.templates_invalid, queued=queued)
        if errors:
            events.record_failure("zone.scan", username="worker", target=zone.name, detail=messages.encode(
                coded("%(counts)s; %(errors)s", counts=detail, errors=scan.error), max_length=2000))
        else:
            events.record("zone.scan", username="worker", target=zone.name, detail=detail)
    return scan


def _being_edited() -> set[int]:
    """Templates whose edit is still being written to their copies: the row
    holds the new values, which a copy read now must not undo. Few at any
    time, so asked without the scan's ids."""
    return set(Transfer.objects.filter(direction=Transfer.Direction.PROPERTIES,
                                       state__in=Transfer.ACTIVE_STATES).values_list("template_id", flat=True))


# What a scan reads from template.properties and the folder, and compares.
TEMPLATE_FIELDS = ("account_id", "name", "description", "filename", "format", "size", "virtual_size", "checksum",
                   "properties")
LOCATION_FIELDS = ("secondary_storage_id", "state", "reason", "path", "image_size", "image_mtime")
# Entries recorded per round of queries: the model instances and query
# parameters of one chunk stay small, and no IN list grows with the share.
CHUNK = 5000
MISSING_REASON = messages.encode(coded("no longer on the secondary storage"))


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def record_entries(zone, entries: list[tuple[SecondaryStorage, Entry]], *, complete_scan: bool) -> None:
    """Create or update the Templates and this zone's TemplateLocations, a
    chunk of entries at a time, comparing plain values (values_list) so that
    an unchanged row costs no model instance and no write but last_seen. The
    caller's transaction keeps it all or nothing."""
    now = timezone.now()
    editing = _being_edited()
    for chunk in _chunks(entries):
        _record_templates(chunk, editing, now)
    # The zone's rows by one query on the zone (no list of ids), as plain tuples.
    known = {row[0]: row[1:] for row in TemplateLocation.objects.filter(zone=zone).values_list(
        "template_id", *LOCATION_FIELDS)}
    seen: set[int] = set()
    for chunk in _chunks(entries):
        _record_locations(zone, chunk, known, seen, now)
    state_at = LOCATION_FIELDS.index("state")
    if complete_scan:
        gone = [tid for tid, row in known.items()
                if tid not in seen and row[state_at] != TemplateLocation.State.MISSING]
        for ids in _chunks(gone):
            TemplateLocation.objects.filter(zone=zone, template_id__in=ids).update(
                state=TemplateLocation.State.MISSING, reason=MISSING_REASON, updated=now)
        # Every row not Missing now was seen: one statement, no list of ids; the
        # rows just created already say now (a first scan rewrites nothing).
        TemplateLocation.objects.filter(zone=zone).exclude(state=TemplateLocation.State.MISSING).exclude(
            last_seen=now).update(last_seen=now)
    else:
        for ids in _chunks(sorted(seen)):
            TemplateLocation.objects.filter(zone=zone, template_id__in=ids).update(last_seen=now)


def _template_values(entry: Entry) -> tuple:
    props = entry.props
    return (entry.account_id, props.name, props.description, props.filename, props.format, props.size,
            props.virtual_size, props.checksum, props.values)


def _record_templates(chunk: list[tuple[SecondaryStorage, Entry]], editing: set[int], now) -> None:
    """The Templates of one chunk: new ones created, changed ones updated
    (the last complete copy's metadata wins, as a template's row shows one)."""
    ids = [entry.template_id for _, entry in chunk]
    current = {row[0]: row[1:] for row in Template.objects.filter(pk__in=ids).values_list("pk", *TEMPLATE_FIELDS)}
    new: dict[int, Template] = {}
    changed: dict[int, tuple] = {}
    for _, entry in chunk:
        tid = entry.template_id
        if tid not in current and tid not in new:
            new[tid] = Template(id=tid, account_id=entry.account_id)
        if not entry.complete or tid in editing:
            continue
        values = _template_values(entry)
        if tid in new:
            for key, value in zip(TEMPLATE_FIELDS, values):
                setattr(new[tid], key, value)
        elif values != current[tid]:
            current[tid] = changed[tid] = values
    bulk_rows.insert_rows(Template, list(new.values()))
    Template.objects.bulk_update([Template(id=tid, updated=now, **dict(zip(TEMPLATE_FIELDS, values)))
                                  for tid, values in changed.items()], [*TEMPLATE_FIELDS, "updated"],
                                 batch_size=1000)


def _record_locations(zone, chunk: list[tuple[SecondaryStorage, Entry]], known: dict[int, tuple],
                      seen: set[int], now) -> None:
    """This zone's TemplateLocations of one chunk; `known` (template id →
    the row's values) and `seen` follow what is written."""
    new: dict[int, TemplateLocation] = {}
    changed: dict[int, tuple] = {}
    for store, entry in chunk:
        tid = entry.template_id
        seen.add(tid)
        state = TemplateLocation.State.READY if entry.complete else TemplateLocation.State.INVALID
        values = (store.pk, state, messages.encode(entry.reason, 500), entry.path, entry.image_size,
                  entry.image_mtime)
        if tid in new or tid not in known:
            new[tid] = TemplateLocation(template_id=tid, zone=zone, last_seen=now,
                                        **dict(zip(LOCATION_FIELDS, values)))
        elif values != known[tid]:
            changed[tid] = values
        known[tid] = values
    bulk_rows.insert_rows(TemplateLocation, list(new.values()))
    if changed:
        ids = {tid: pk for tid, pk in TemplateLocation.objects.filter(zone=zone, template_id__in=list(changed))
               .values_list("template_id", "pk")}
        TemplateLocation.objects.bulk_update(
            [TemplateLocation(pk=ids[tid], updated=now, **dict(zip(LOCATION_FIELDS, values)))
             for tid, values in changed.items()], [*LOCATION_FIELDS, "updated"], batch_size=500)


def _not_deleted(zone, entries: list[tuple[SecondaryStorage, Entry]]) -> list[tuple[SecondaryStorage, Entry]]:
    """Without the folders of templates deleted everywhere or from this zone,
    whether the deletion is done or still running (storage.transfers.deletion)."""
    ignored = set(TemplateExclusion.objects.filter(zone=zone).values_list("template_id", flat=True))
    for ids in _chunks(sorted({entry.template_id for _store, entry in entries})):
        ignored |= set(Template.objects.filter(pk__in=ids, deleted__isnull=False).values_list("pk", flat=True))
    return [(store, entry) for store, entry in entries if entry.template_id not in ignored]


def needs_upload(template: Template, location: TemplateLocation) -> bool:
    """Whether this zone's copy should be sent to Swift."""
    if template.swift_state != Template.SwiftState.STORED:
        return True
    if template.swift_size != location.image_size:
        return True
    return bool(template.checksum) and template.swift_md5 != template.checksum


def queue_uploads(zone) -> int:
    """Queue an upload of every Ready template of `zone` that Swift lacks.
    A template whose last upload of this very source copy failed or was
    cancelled waits for the operator's Retry instead of failing again at
    every scan. Returns how many were queued."""
    if not SwiftStore.objects.exists():
        return 0
    ready = list(TemplateLocation.objects.filter(zone=zone, state=TemplateLocation.State.READY)
                 .select_related("template"))
    candidates = [loc for loc in ready if needs_upload(loc.template, loc)]
    if not candidates:
        return 0
    latest = {}
    for row in (Transfer.objects.filter(direction=Transfer.Direction.UP,
                                        template_id__in=[loc.template_id for loc in candidates])
                .order_by("template_id", "-created")
                .values("template_id", "state", "source_size", "source_mtime")):
        latest.setdefault(row["template_id"], row)
    queued = 0
    for loc in candidates:
        last = latest.get(loc.template_id)
        if last is not None:
            if last["state"] in Transfer.ACTIVE_STATES:
                continue
            if (last["state"] in (Transfer.State.FAILED, Transfer.State.CANCELLED)
                    and last["source_size"] == loc.image_size and last["source_mtime"] == loc.image_mtime):
                continue
        if queueing.enqueue_upload(loc.template, zone, source_size=loc.image_size,
                                    source_mtime=loc.image_mtime) is not None:
            queued += 1
    return queued
