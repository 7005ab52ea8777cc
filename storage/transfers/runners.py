"""The table of transfer directions: for each, the runner that copies and
what only that direction knows (whether it needs Swift, what its end
changes, what follows it, what a cancel leaves to clean). The lifecycle
(storage.transfers.lifecycle) knows no direction; adding one is a runner
module and a row here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from cloudadmin.messages import Message, coded
from storage.models import Template, Transfer
from storage.transfers import (copy_down, delete_swift, delete_zone, deletion, downloads, properties_update,
                                replication, upload)


@dataclass(frozen=True)
class Runner:
    # run(transfer, progress, swift_store or None) -> the whole-file MD5
    run: Callable
    needs_swift: bool
    # the event's words for where the copy went (a coded message)
    describe: Callable[[Transfer], Message]
    # in the transaction that marks the row done
    on_done: Callable[[Transfer, str, object], None] = lambda transfer, md5_hex, now: None
    # after that transaction: what follows (a new transfer, replication)
    follow_up: Callable[[Transfer], object] = lambda transfer: None
    # after a cancel, outside any transaction
    after_cancel: Callable[[Transfer], None] = lambda transfer: None
    # the done event's detail, when not "copied <describe>, MD5 <md5>"
    done_detail: Callable[[Transfer, str], Message] | None = None


def _deleted_detail(transfer: Transfer, md5_hex: str) -> str:
    row = Transfer.objects.filter(pk=transfer.pk).values("segments_total", "bytes_total").first()
    where = coded("zone %(zone)s", zone=transfer.zone.name) if transfer.zone_id else "Swift"
    return coded("deleted from %(where)s: %(entries)s entries, %(bytes)s bytes", where=where,
                 entries=row["segments_total"], bytes=row["bytes_total"])


def _stored_in_swift(transfer: Transfer, md5_hex: str, now) -> None:
    total = Transfer.objects.filter(pk=transfer.pk).values_list("bytes_total", flat=True).first()
    Template.objects.filter(pk=transfer.template_id).update(
        swift_state=Template.SwiftState.STORED, swift_md5=md5_hex, swift_size=total, swift_stored_at=now,
        updated=now)


RUNNERS: dict[str, Runner] = {
    Transfer.Direction.UP: Runner(
        run=upload.run, needs_swift=True, describe=lambda transfer: coded("to Swift"), on_done=_stored_in_swift,
        follow_up=lambda transfer: replication.replicate_template(transfer.template_id),
        after_cancel=upload.after_cancel),
    Transfer.Direction.DOWN: Runner(
        run=copy_down.run, needs_swift=True,
        describe=lambda transfer: coded("to zone %(zone)s", zone=transfer.zone.name)),
    Transfer.Direction.DOWNLOAD: Runner(
        run=downloads.run, needs_swift=False,
        describe=lambda transfer: coded("from its URL to zone %(zone)s", zone=transfer.zone.name),
        follow_up=downloads.after_download),
    Transfer.Direction.PROPERTIES: Runner(
        run=properties_update.run, needs_swift=False, describe=properties_update.describe),
    # A template's deletion (storage.transfers.deletion queues them).
    Transfer.Direction.DELETE_SWIFT: Runner(
        run=delete_swift.run, needs_swift=True, describe=lambda transfer: coded("from Swift"),
        on_done=deletion.swift_deleted, done_detail=_deleted_detail),
    Transfer.Direction.DELETE_ZONE: Runner(
        run=delete_zone.run, needs_swift=False,
        describe=lambda transfer: coded("from zone %(zone)s", zone=transfer.zone.name),
        on_done=deletion.zone_deleted, done_detail=_deleted_detail),
    # The bytes come from the browser's requests (storage.catalog.uploads),
    # which end the row through lifecycle.end_pushed; a worker never runs it.
    Transfer.Direction.BROWSER: Runner(
        run=downloads.pushed_by_client, needs_swift=False,
        describe=lambda transfer: coded("from the browser to zone %(zone)s", zone=transfer.zone.name),
        follow_up=downloads.after_download),
}
