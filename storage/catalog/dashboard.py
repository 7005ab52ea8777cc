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

from storage.models import Transfer, ZoneScan

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
    midnight = local_midnight(now)
    # Only active, failed and today's done rows count: indexes find them
    # without reading the whole history.
    rows = Transfer.objects.filter(
        Q(state__in=(*Transfer.ACTIVE_STATES, Transfer.State.FAILED))
        | Q(state=Transfer.State.DONE, finished__gte=midnight))
    return rows.aggregate(
        queued=Count("pk", filter=Q(state=Transfer.State.QUEUED)),
        running=Count("pk", filter=Q(state__in=RUNNING_STATES)),
        failed=Count("pk", filter=Q(state=Transfer.State.FAILED) & ~superseded()),
        done_today=Count("pk", filter=Q(state=Transfer.State.DONE, finished__gte=midnight)),
        rate=Sum("rate", filter=Q(state__in=RUNNING_STATES), default=0.0),
    )


# The same even spreading as bytes_per_bucket, as one aggregate in
# PostgreSQL: a busy day has thousands of rows, too many to sum in Python on
# every poll. Other databases (make run's SQLite) take the Python path.
_MOVED_SQL_POSTGRESQL = """
SELECT COALESCE(SUM(b * GREATEST(0, EXTRACT(EPOCH FROM LEAST(e, %(until)s) - GREATEST(s, %(since)s)))
                    / GREATEST(EXTRACT(EPOCH FROM e - s), 0.001)), 0)
FROM (
    SELECT started AS s, bytes_done AS b,
           CASE WHEN state IN %(active)s THEN %(until)s ELSE COALESCE(finished, updated) END AS e
    FROM storage_transfer
    WHERE updated >= %(since)s AND started IS NOT NULL AND bytes_done > 0
) AS moved
"""


def bytes_moved(since: datetime, until: datetime) -> float:
    """Bytes moved between `since` and `until` (one query)."""
    if connection.vendor != "postgresql":
        return bytes_per_bucket(since, until, 1)[0]
    with connection.cursor() as cursor:
        cursor.execute(_MOVED_SQL_POSTGRESQL,
                       {"since": since, "until": until, "active": tuple(Transfer.ACTIVE_STATES)})
        return float(cursor.fetchone()[0])


def bytes_per_bucket(since: datetime, until: datetime, buckets: int) -> list[float]:
    """Bytes moved in each of `buckets` equal slices of [since, until),
    assuming each transfer moved its bytes evenly between its start and its
    end (or now, while active). Only rows updated since the window began can
    have moved bytes in it (index transfer_updated): one query for the few
    rows of the window, summed here."""
    step = (until - since).total_seconds() / buckets
    totals = [0.0] * buckets
    rows = Transfer.objects.filter(updated__gte=since, started__isnull=False, bytes_done__gt=0).values_list(
        "started", "finished", "updated", "state", "bytes_done")
    for started, finished, updated, state, done in rows:
        end = until if state in Transfer.ACTIVE_STATES else (finished or updated)
        duration = max((end - started).total_seconds(), 0.001)
        first = max(started, since)
        last = min(end, until)
        if last <= first:
            continue
        offset_first = (first - since).total_seconds()
        offset_last = (last - since).total_seconds()
        for index in range(int(offset_first // step), min(buckets - 1, int(offset_last // step)) + 1):
            overlap = min(offset_last, (index + 1) * step) - max(offset_first, index * step)
            if overlap > 0:
                totals[index] += done * overlap / duration
    return totals


def bytes_today(now: datetime | None = None) -> int:
    now = now or timezone.now()
    return int(bytes_moved(local_midnight(now), now))


@dataclass
class Chart:
    """Throughput per minute over the last hour, as SVG coordinates."""

    rates: list[float]  # bytes/s, oldest first
    live_rate: float = 0.0  # the counters' "Throughput now": the axis reaches it too
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT

    @property
    def peak(self) -> float:
        return max(self.rates, default=0.0)

    @property
    def current(self) -> float:
        return self.rates[-1] if self.rates else 0.0

    @property
    def top(self) -> float:
        """The rate axis' maximum, never below the live rate the counters
        show (a minute's average is lower than a burst within it)."""
        return max(self.peak, self.live_rate)

    @property
    def moving(self) -> bool:
        return self.peak > 0

    def _point(self, index: int, rate: float) -> tuple[float, float]:
        step = self.width / max(1, len(self.rates) - 1)
        top = self.top or 1.0
        return round(index * step, 1), round(self.height - (rate / top) * (self.height - 4), 1)

    @property
    def line(self) -> str:
        return " ".join(f"{x},{y}" for x, y in (self._point(i, r) for i, r in enumerate(self.rates)))

    @property
    def area(self) -> str:
        return f"0,{self.height} {self.line} {self.width},{self.height}"


def throughput_chart(now: datetime | None = None, minutes: int = CHART_MINUTES, live_rate: float = 0.0) -> Chart:
    now = now or timezone.now()
    moved = bytes_per_bucket(now - timedelta(minutes=minutes), now, minutes)
    return Chart(rates=[value / 60.0 for value in moved], live_rate=live_rate)


def zone_scans(zones):
    """The zones with `last_scan_state`, `last_scan_finished` and
    `last_scan_error` (one query)."""
    newest = ZoneScan.objects.filter(zone=OuterRef("pk")).order_by("-created", "-id")
    return zones.annotate(last_scan_state=Subquery(newest.values("state")[:1]),
                          last_scan_finished=Subquery(newest.values("finished")[:1]),
                          last_scan_error=Subquery(newest.values("error")[:1]))
