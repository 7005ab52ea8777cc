"""The numbers on the dashboard: counters by transfer state, bytes moved,
throughput over the last hour (and its SVG), the zones' last scans.

Each function is one SQL query whatever the number of rows, served by the
indexes of storage.migrations (state, updated, template/direction/created);
the day's ended transfers are summed once per checkpoint (`today`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.core.cache import caches
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
    """queued, running (incl. verifying), failed (not retried since), the
    current aggregate rate in bytes/s (one query on the few active and failed
    rows), with done today and the bytes moved today from `today` (one more)."""
    now = now or timezone.now()
    rows = Transfer.objects.filter(state__in=(*Transfer.ACTIVE_STATES, Transfer.State.FAILED))
    figures = rows.aggregate(
        queued=Count("pk", filter=Q(state=Transfer.State.QUEUED)),
        running=Count("pk", filter=Q(state__in=RUNNING_STATES)),
        failed=Count("pk", filter=Q(state=Transfer.State.FAILED) & ~superseded()),
        rate=Sum("rate", filter=Q(state__in=RUNNING_STATES), default=0.0),
    )
    done_today, moved_today = today(now)
    return {**figures, "done_today": done_today, "moved_today": moved_today}


def bytes_per_bucket(since: datetime, until: datetime, buckets: int) -> list[float]:
    """Bytes moved in each of `buckets` equal slices of [since, until),
    assuming each transfer moved its bytes evenly between its start and its
    end (or now, while active). Only rows updated since the window began can
    have moved bytes in it (index transfer_updated): one query for the rows
    of the window, summed here in O(1) per row (thousands on a busy hour):
    its two partial buckets directly, the full ones between through a
    difference array."""
    step = (until - since).total_seconds() / buckets
    totals = [0.0] * buckets
    full = [0.0] * (buckets + 1)  # full[k] - full[k - 1]: the rate of whole buckets from k on
    rows = Transfer.objects.filter(updated__gte=since, started__isnull=False, bytes_done__gt=0).order_by().values_list(
        "started", "finished", "updated", "state", "bytes_done")
    for started, finished, updated, state, done in rows:
        end = until if state in Transfer.ACTIVE_STATES else (finished or updated)
        rate = done / max((end - started).total_seconds(), 0.001)
        first = (max(started, since) - since).total_seconds()
        last = (min(end, until) - since).total_seconds()
        if last <= first:
            continue
        head, tail = int(first // step), min(buckets - 1, int(last // step))
        if head == tail:
            totals[head] += rate * (last - first)
            continue
        totals[head] += rate * ((head + 1) * step - first)
        totals[tail] += rate * (last - tail * step)
        full[head + 1] += rate * step
        full[tail] -= rate * step
    running = 0.0
    for index in range(buckets):
        running += full[index]
        totals[index] += running
    return totals


# Transfers done today and bytes moved since midnight (the same even spreading
# as bytes_per_bucket, summed in PostgreSQL), in one pass over the rows updated today (tens of thousands on a busy day). A row that ended
# before the last checkpoint (every CHECKPOINT_SECONDS) no longer changes:
# its share, "past", is summed once per checkpoint and kept in the
# "dashboard" cache; each poll reads only the rows still active or ended
# since (index transfer_active_first's state, transfer_updated).
CHECKPOINT_SECONDS = 300
_TODAY_SQL_POSTGRESQL = """
SELECT COALESCE(SUM(moved) FILTER (WHERE live), 0), COUNT(*) FILTER (WHERE live AND done),
       COALESCE(SUM(moved) FILTER (WHERE NOT live), 0), COUNT(*) FILTER (WHERE NOT live AND done)
FROM (
    SELECT state IN %(active)s OR e >= %(checkpoint)s AS live,
           state = 'done' AND finished >= %(since)s AS done,
           CASE WHEN started IS NULL OR bytes_done <= 0 THEN 0
                ELSE bytes_done * GREATEST(0, EXTRACT(EPOCH FROM LEAST(e, %(until)s) - GREATEST(started, %(since)s)))
                     / GREATEST(EXTRACT(EPOCH FROM e - started), 0.001) END AS moved
    FROM (
        SELECT state, finished, started, bytes_done,
               CASE WHEN state IN %(active)s THEN %(until)s ELSE COALESCE(finished, updated) END AS e
        FROM storage_transfer
        WHERE updated >= %(since)s {live_only}
    ) AS rows
) AS today
"""
# A row ended since the checkpoint was updated since (updated >= finished).
_LIVE_ONLY = "AND (state IN %(active)s OR updated >= %(checkpoint)s)"


def today(now: datetime) -> tuple[int, float]:
    """(transfers done since local midnight, bytes moved since): one query."""
    since = local_midnight(now)
    if connection.vendor != "postgresql":
        done = Transfer.objects.filter(state=Transfer.State.DONE, finished__gte=since).count()
        return done, bytes_per_bucket(since, now, 1)[0]
    epoch = int(now.timestamp())
    checkpoint = max(since, datetime.fromtimestamp(epoch - epoch % CHECKPOINT_SECONDS, tz=dt_timezone.utc))
    key = f"today:{connection.settings_dict['NAME']}:{since.isoformat()}:{checkpoint.isoformat()}"
    past = caches["dashboard"].get(key)
    params = {"since": since, "until": now, "checkpoint": checkpoint, "active": tuple(Transfer.ACTIVE_STATES)}
    with connection.cursor() as cursor:
        cursor.execute(_TODAY_SQL_POSTGRESQL.format(live_only=_LIVE_ONLY if past else ""), params)
        live_moved, live_done, past_moved, past_done = cursor.fetchone()
    if past is None:
        past = (float(past_moved), past_done)
        caches["dashboard"].set(key, past, CHECKPOINT_SECONDS * 2)
    return live_done + past[1], float(live_moved) + past[0]


def bytes_today(now: datetime | None = None) -> int:
    return int(today(now or timezone.now())[1])


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
