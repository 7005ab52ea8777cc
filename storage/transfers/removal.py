"""What both deletion runners share: removing a list of entries in order
with progress (entries and bytes), kept across attempts. The first attempt
sets the totals; a retry counts what earlier attempts removed as done."""
from __future__ import annotations

from typing import Callable

from storage.models import Transfer
from storage.transfers.progress import Progress


def remove_all(transfer: Transfer, progress: Progress, order: list[tuple[object, int]],
               remove: Callable[[object], bool]) -> None:
    """`order`: (entry, bytes) to remove, in order; remove(entry) deletes one."""
    row = Transfer.objects.filter(pk=transfer.pk).values("segments_total", "bytes_total", "attempts").first()
    left_bytes = sum(size for _entry, size in order)
    first = row["attempts"] <= 1 or not row["segments_total"]
    total = len(order) if first else max(row["segments_total"], len(order))
    total_bytes = left_bytes if first else max(row["bytes_total"], left_bytes)
    done = total - len(order)
    progress.done = total_bytes - left_bytes
    progress.write(force=True, bytes_total=total_bytes, segments_total=total, segments_done=done, last_error="")
    on_removed = progress.counter()  # counts bytes, throttled in tests, writes the row now and then
    for entry, size in order:
        remove(entry)
        done += 1
        progress.set(segments_done=done)
        on_removed(size)
    progress.write(force=True, segments_done=total)
