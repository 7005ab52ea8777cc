"""The numbers on the dashboard: counters by transfer state, bytes moved,
throughput over the last hour (and its SVG), the zones' last scans.

Each function is one SQL query whatever the number of rows, served by the
indexes of storage.migrations (state, updated, template/direction/created).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from .models import Transfer, ZoneScan

CHART_MINUTES = 60
CHART_WIDTH, CHART_HEIGHT = 600, 120
RUNNING_STATES = (Transfer.State.RUNNING, Transfer.State.VERIFYING)


def superseded() -> Exists:
    """A later transfer of the same template, direction and zone exists:
    a failure it replaced needs no attention any more."""
    return Exists(Transfer.objects.filter(
        template=OuterRef("template"), direction=OuterRef("direction"), zone=OuterRef("zone"),
        created__gt=OuterRef("created")))


def local_midnight(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def counters(now: datetime | None = None) -> dict:
    """queued, running (incl. verifying), failed (not retried since), done
    today, and the current aggregate rate in bytes/s: one query."""
    now = now or timezone.now()
    return Transfer.objects.aggregate(
        queued=Count("pk", filter=Q(state=Transfer.State.QUEUED)),
        running=Count("pk", filter=Q(state__in=RUNNING_STATES)),
        failed=Count("pk", filter=Q(state=Transfer.State.FAILED) & ~superseded()),
        done_today=Count("pk", filter=Q(state=Transfer.State.DONE, finished__gte=local_midnight(now))),
        rate=Sum("rate", filter=Q(state__in=RUNNING_STATES), default=0.0),
    )


# Bytes each transfer moved inside each bucket, assuming it moved them evenly
# between its start and its end (or now, while active). Only rows updated
# since the window began can have moved bytes in it (index transfer_updated).
_MOVED_SQL = """
WITH moved AS (
    SELECT started AS s,
           CASE WHEN state IN ('queued', 'running', 'verifying') THEN %(now)s
                ELSE COALESCE(finished, updated) END AS e,
           bytes_done AS b
    FROM storage_transfer
    WHERE updated >= %(since)s AND started IS NOT NULL AND bytes_done > 0
), buckets AS (
    SELECT i, %(since)s + i * %(step)s AS lo, %(since)s + (i + 1) * %(step)s AS hi
    FROM generate_series(0, %(count)s - 1) AS i
)
SELECT i, COALESCE(SUM(
    b * GREATEST(0, EXTRACT(EPOCH FROM LEAST(e, hi) - GREATEST(s, lo)))
      / GREATEST(EXTRACT(EPOCH FROM e - s), 0.001)), 0)
FROM buckets LEFT JOIN moved ON s < hi AND e > lo
GROUP BY i ORDER BY i
"""


def bytes_moved(since: datetime, until: datetime, buckets: int = 1) -> list[float]:
    """Bytes moved in each of `buckets` equal slices of [since, until)."""
    step = (until - since) / buckets
    with connection.cursor() as cursor:
        cursor.execute(_MOVED_SQL, {"now": until, "since": since, "step": step, "count": buckets})
        return [float(value) for _i, value in cursor.fetchall()]


def bytes_today(now: datetime | None = None) -> int:
    now = now or timezone.now()
    return int(bytes_moved(local_midnight(now), now)[0])


@dataclass
class Chart:
    """Throughput per minute over the last hour, as SVG coordinates."""

    rates: list[float]  # bytes/s, oldest first
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT

    @property
    def peak(self) -> float:
        return max(self.rates, default=0.0)

    @property
    def current(self) -> float:
        return self.rates[-1] if self.rates else 0.0

    @property
    def moving(self) -> bool:
        return self.peak > 0

    def _point(self, index: int, rate: float) -> tuple[float, float]:
        step = self.width / max(1, len(self.rates) - 1)
        top = self.peak or 1.0
        return round(index * step, 1), round(self.height - (rate / top) * (self.height - 4), 1)

    @property
    def line(self) -> str:
        return " ".join(f"{x},{y}" for x, y in (self._point(i, r) for i, r in enumerate(self.rates)))

    @property
    def area(self) -> str:
        return f"0,{self.height} {self.line} {self.width},{self.height}"


def throughput_chart(now: datetime | None = None, minutes: int = CHART_MINUTES) -> Chart:
    now = now or timezone.now()
    moved = bytes_moved(now - timedelta(minutes=minutes), now, buckets=minutes)
    return Chart(rates=[value / 60.0 for value in moved])


def zone_scans(zones):
    """The zones with `last_scan_state` and `last_scan_finished` (one query)."""
    newest = ZoneScan.objects.filter(zone=OuterRef("pk")).order_by("-created", "-id")
    return zones.annotate(last_scan_state=Subquery(newest.values("state")[:1]),
                          last_scan_finished=Subquery(newest.values("finished")[:1]))
