"""What `manage.py transfers_status` reports: the Celery workers that answer
and what they run, how many tasks wait in each queue, and the transfers
whose worker stopped sending heartbeats. `collect()` gathers, `render()`
turns a Report into text (pure, unit-tested)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from kombu.exceptions import ChannelError

from cloudadmin.celery import app
from cloudadmin.logs import redact
from storage.models import Transfer
from storage.transfers.queueing import stale_transfers


@dataclass
class Worker:
    hostname: str
    active: list[str]  # one short line per running task


@dataclass
class Stuck:
    id: int
    template_id: int
    direction: str
    zone: str
    state: str
    heartbeat: datetime | None
    worker: str
    bytes_done: int
    bytes_total: int
    attempts: int

    @classmethod
    def of(cls, transfer: Transfer) -> Stuck:
        return cls(id=transfer.pk, template_id=transfer.template_id, direction=transfer.direction,
                   zone=transfer.zone.name if transfer.zone_id else "Swift", state=transfer.state,
                   heartbeat=transfer.heartbeat,
                   worker=transfer.worker, bytes_done=transfer.bytes_done, bytes_total=transfer.bytes_total,
                   attempts=transfer.attempts)


@dataclass
class Report:
    now: datetime
    timeout: float
    stale_after: timedelta
    workers: list[Worker] | None  # None: the broker could not be asked
    queues: dict[str, int | None]  # None: the broker could not be asked
    states: dict[str, int]  # active transfers by state
    stuck: list[Stuck]
    requeued: list[int] = field(default_factory=list)
    broker_error: str = ""

    @property
    def exit_code(self) -> int:
        """0 all well; 1 stuck transfers left in place; 2 no worker answered
        or the broker is unreachable (the more urgent, so it wins)."""
        if self.broker_error or not self.workers:
            return 2
        if any(s.id not in self.requeued for s in self.stuck):
            return 1
        return 0


def queue_names() -> list[str]:
    return sorted({settings.CELERY_TASK_DEFAULT_QUEUE, settings.TRANSFER_QUEUE})


def _task_line(task: dict) -> str:
    name = task.get("name") or "?"
    args = task.get("args") or []
    if name == "storage.tasks.transfer_run" and args:
        return f"transfer {args[0]}"
    short = name.rsplit(".", 1)[-1]
    return f"{short}({', '.join(map(str, args))})" if args else short


def ask_broker(timeout: float) -> tuple[list[Worker], dict[str, int]]:
    """The workers answering within `timeout` seconds (each with its running
    tasks) and the number of waiting messages per queue. Raises on a broker
    that cannot be reached."""
    with app.connection_for_read(settings.CELERY_BROKER_URL, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
        queues = {}
        channel = conn.default_channel
        for name in queue_names():
            try:
                queues[name] = channel.queue_declare(queue=name, passive=True).message_count
            except ChannelError:
                queues[name] = 0  # Redis drops an empty list: nothing waits
        replies = app.control.inspect(timeout=timeout, connection=conn).active() or {}
    workers = [Worker(hostname=host, active=[_task_line(t) for t in tasks or []])
               for host, tasks in sorted(replies.items())]
    return workers, queues


def collect(*, stale_after: timedelta, timeout: float) -> Report:
    """Everything the command shows. The broker part may fail; the database
    part must not (without it there is nothing to report)."""
    states = dict(Transfer.objects.filter(state__in=Transfer.ACTIVE_STATES).order_by().values_list("state")
                  .annotate(n=Count("id")).values_list("state", "n"))
    stuck = [Stuck.of(t) for t in stale_transfers(stale_after)]
    report = Report(now=timezone.now(), timeout=timeout, stale_after=stale_after, workers=None,
                    queues={name: None for name in queue_names()}, states=states, stuck=stuck)
    try:
        report.workers, report.queues = ask_broker(timeout)
    except Exception as exc:  # noqa: BLE001 - an unreachable broker is part of the answer
        report.broker_error = redact(f"{type(exc).__name__}: {exc}")[:300]
    return report


def _age(now: datetime, then: datetime | None) -> str:
    if then is None:
        return "never"
    seconds = int((now - then).total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)  # pragma: no cover


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    return ["  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header, *rows]]


def render(report: Report) -> str:
    lines = [f"Workers (answers within {report.timeout:g} s)"]
    if report.broker_error:
        lines.append(f"  broker unreachable: {report.broker_error}")
    elif not report.workers:
        lines.append("  none answered: no transfer can run")
    else:
        for worker in report.workers:
            running = ", ".join(worker.active) if worker.active else "idle"
            lines.append(f"  {worker.hostname}  {running}")
    lines.append("Queues")
    lines += _table(["QUEUE", "WAITING"], [[name, "?" if count is None else str(count)]
                                           for name, count in report.queues.items()])
    counts = ", ".join(f"{report.states.get(state, 0)} {state}" for state in Transfer.ACTIVE_STATES)
    lines.append(f"Transfers: {counts}")
    minutes = report.stale_after.total_seconds() / 60
    lines.append(f"Stuck transfers (running or verifying, no heartbeat for {minutes:g} min): {len(report.stuck)}")
    if report.stuck:
        header = ["ID", "TEMPLATE", "DIRECTION", "ZONE", "STATE", "HEARTBEAT", "WORKER", "PROGRESS", "ATTEMPTS", ""]
        rows = [[str(s.id), f"T-{s.template_id}", s.direction, s.zone, s.state,
                 f"{_age(report.now, s.heartbeat)} ago" if s.heartbeat else "never", s.worker or "-",
                 f"{_size(s.bytes_done)} / {_size(s.bytes_total)}", str(s.attempts),
                 "requeued" if s.id in report.requeued else ""]
                for s in report.stuck]
        lines += _table(header, rows)
        left = [s for s in report.stuck if s.id not in report.requeued]
        if report.requeued:
            lines.append(f"Requeued {len(report.requeued)} transfer(s).")
        if left:
            lines.append("Run again with --requeue to hand them back to the queue." if not report.requeued
                         else f"{len(left)} changed meanwhile (a heartbeat came in) and stay as they are.")
    return "\n".join(lines) + "\n"
