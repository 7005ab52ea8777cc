"""Comparing a zone's NFS secondary storage with Swift, file by file: the
page the seed's author made by hand with `ls -R` and `swift list`.

`read_nfs(zone)` lists the templates of the zone's share
(storage.secondary.listing) here when this host has the mount, else asks a
worker (storage.tasks.list_share);
`read_swift(template_ids)` describes the T-<id> containers; `compare()`
gives a verdict per file. Nothing here writes anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from storage import dispatch
from storage.models import SecondaryStorage, SwiftStore
from storage.secondary import listing as share_listing
from storage.secondary import nfs
from storage.swift import client as swift

TEMPLATE_CONTAINER = re.compile(r"^T-(\d+)$")
# CloudStack downloads into dnld<digits>tmp_ and renames when complete: such
# a file is never part of a template, so no transfer ever copies it.
UNFINISHED_DOWNLOAD = re.compile(r"^dnld.*tmp_$")


class Verdict(models.TextChoices):
    MATCH = "match", gettext_lazy("Match")
    MISSING_IN_SWIFT = "missing", gettext_lazy("Missing in Swift")
    SIZE_DIFFERS = "size", gettext_lazy("Size differs")
    CHECKSUM_DIFFERS = "checksum", gettext_lazy("Checksum differs")
    NOT_COPIED = "skipped", gettext_lazy("Not copied on purpose")
    ONLY_IN_SWIFT = "only-swift", gettext_lazy("Only in Swift")


OK_VERDICTS = (Verdict.MATCH, Verdict.NOT_COPIED)


class SideUnreachable(Exception):
    """One side could not be read; the message says which and why."""


# --- NFS ----------------------------------------------------------------------
def read_nfs(zone) -> dict:
    """The templates on every secondary storage of `zone`, read here when
    this host has the share mounted, else by a worker. Raises SideUnreachable."""
    stores = list(SecondaryStorage.objects.filter(zone=zone).order_by("id"))
    if not stores:
        raise SideUnreachable(_("Zone %(zone)s has no NFS secondary storage.") % {"zone": zone.name})
    templates: dict[int, dict] = {}
    for store in stores:
        root = nfs.local_path(store.server, store.path)
        if root.is_dir():
            try:
                found = share_listing.read_share(root)
            except OSError as exc:
                raise SideUnreachable(_("NFS %(url)s cannot be read: %(error)s")
                                      % {"url": store.url, "error": exc.strerror or type(exc).__name__}) from None
        else:
            found = _read_through_worker(store)
        for template_id, listing in found.items():
            templates.setdefault(int(template_id), listing)
    return templates


def _read_through_worker(store: SecondaryStorage) -> dict:
    try:
        result = dispatch.task("list_share").apply_async((store.pk,))
        answer = result.get(timeout=settings.COMPARE_WORKER_TIMEOUT, propagate=True)
    except CeleryTimeout:
        raise SideUnreachable(
            _("NFS %(url)s is not mounted on this host and no worker answered within %(seconds)s s.")
            % {"url": store.url, "seconds": settings.COMPARE_WORKER_TIMEOUT}) from None
    except Exception as exc:  # noqa: BLE001 - a broker or backend failure is "unreachable" too
        raise SideUnreachable(_("NFS %(url)s: the workers cannot be asked (%(error)s).")
                              % {"url": store.url, "error": type(exc).__name__}) from None
    if answer.get("error"):
        raise SideUnreachable(_("NFS %(url)s cannot be read by the worker either: %(error)s")
                              % {"url": store.url, "error": answer["error"]})
    return {int(k): v for k, v in answer["templates"].items()}


# --- Swift --------------------------------------------------------------------
def read_swift(template_ids) -> tuple[dict, list[int]]:
    """({template id: [object descriptions]} for the given ids, the ids of
    the other T-<id> containers in Swift). Raises SideUnreachable."""
    store = SwiftStore.objects.first()
    if store is None:
        raise SideUnreachable(_("Swift is not configured."))
    try:
        with swift.store_connection(store) as conn:
            containers = set()
            for container in swift.list_containers(conn, prefix="T-"):
                match = TEMPLATE_CONTAINER.match(container["name"])
                if match:
                    containers.add(int(match.group(1)))
            wanted = set(template_ids)
            described = {template_id: swift.describe_objects(conn, f"T-{template_id}")
                         if template_id in containers else [] for template_id in sorted(wanted)}
            return described, sorted(containers - wanted)
    except swift.SwiftError as exc:
        raise SideUnreachable(_("Swift cannot be read: %(error)s") % {"error": exc}) from None


# --- the verdicts -------------------------------------------------------------
@dataclass
class FileRow:
    name: str
    verdict: str
    nfs_size: int | None = None
    nfs_md5: str = ""
    swift_size: int | None = None
    swift_etag: str = ""
    swift_md5: str = ""
    segments: int | None = None

    @property
    def ok(self) -> bool:
        return self.verdict in OK_VERDICTS

    @property
    def verdict_label(self) -> str:
        return Verdict(self.verdict).label


@dataclass
class TemplateRow:
    template_id: int
    path: str = ""
    on_nfs: bool = True
    files: list[FileRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.on_nfs and all(f.ok for f in self.files)


def content_md5(obj: dict) -> str:
    """The MD5 of an object's content: a plain object's ETag is its MD5; a
    large object's is not, the upload stores the whole-file MD5 as metadata
    (metadata on plain objects may describe something else, e.g. the image
    on template.properties)."""
    return obj.get("md5", "") if obj.get("slo") else obj.get("etag", "")


def file_verdict(nfs_file: dict, obj: dict | None) -> str:
    if UNFINISHED_DOWNLOAD.match(nfs_file["name"]):
        return Verdict.NOT_COPIED
    if obj is None:
        return Verdict.MISSING_IN_SWIFT
    if obj["bytes"] != nfs_file["size"]:
        return Verdict.SIZE_DIFFERS
    swift_md5 = content_md5(obj)
    if nfs_file["md5"] and swift_md5 and nfs_file["md5"].lower() != swift_md5.lower():
        return Verdict.CHECKSUM_DIFFERS
    return Verdict.MATCH


def compare(nfs_side: dict, swift_side: dict) -> list[TemplateRow]:
    """One row per template on NFS or in Swift, files side by side."""
    rows = []
    for template_id in sorted(set(nfs_side) | set(swift_side)):
        listing = nfs_side.get(template_id)
        objects = {obj["name"]: obj for obj in swift_side.get(template_id, [])}
        row = TemplateRow(template_id=template_id, path=listing["path"] if listing else "", on_nfs=listing is not None)
        for nfs_file in (listing or {}).get("files", []):
            obj = objects.pop(nfs_file["name"], None)
            row.files.append(_file_row(nfs_file["name"], file_verdict(nfs_file, obj), nfs_file, obj))
        for name, obj in sorted(objects.items()):
            row.files.append(_file_row(name, Verdict.ONLY_IN_SWIFT, None, obj))
        rows.append(row)
    return rows


def _file_row(name, verdict, nfs_file, obj) -> FileRow:
    row = FileRow(name=name, verdict=verdict)
    if nfs_file:
        row.nfs_size, row.nfs_md5 = nfs_file["size"], nfs_file["md5"]
    if obj:
        row.swift_size, row.swift_etag = obj["bytes"], obj.get("etag", "")
        row.swift_md5, row.segments = content_md5(obj), obj.get("segments")
    return row
