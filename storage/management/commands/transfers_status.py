"""Workers, queues and stuck transfers at a glance; `--requeue` hands the
stuck ones back to the queue through storage.transfers.queueing.requeue_stale, the
function the periodic task calls too.

Exit status: 0 all well; 1 stuck transfers left in place; 2 no worker
answered or the broker is unreachable."""
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from storage.transfers import status, queueing as transfers


def positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = ("Show the Celery workers and what they run, the queue lengths and the transfers with no "
            "heartbeat for --stale-minutes; --requeue hands those back to the queue.")

    def add_arguments(self, parser):
        default = settings.TRANSFER_STALE_SECONDS / 60
        parser.add_argument("--stale-minutes", type=positive, default=default,
                            help=f"a running transfer is stuck after this long without a heartbeat "
                                 f"(default {default:g}, from TRANSFER_STALE_SECONDS)")
        parser.add_argument("--requeue", action="store_true",
                            help="hand the stuck transfers back to the queue (recorded as events)")
        parser.add_argument("--timeout", type=positive, default=settings.HEALTH_WORKER_TIMEOUT,
                            help="seconds to wait for the workers' answers and the broker "
                                 f"(default {settings.HEALTH_WORKER_TIMEOUT:g})")

    def handle(self, *args, stale_minutes, requeue, timeout, **options):
        stale_after = timedelta(minutes=stale_minutes)
        requeued = transfers.requeue_stale(stale_after, username="manage.py transfers_status") if requeue else []
        report = status.collect(stale_after=stale_after, timeout=timeout)
        if requeued:  # listed as they were, marked requeued, before any still stuck
            ids = {t.pk for t in requeued}
            report.stuck = [status.Stuck.of(t) for t in requeued] + [s for s in report.stuck if s.id not in ids]
            report.requeued = sorted(ids)
        self.stdout.write(status.render(report), ending="")
        code = report.exit_code
        if code == 2:
            raise CommandError("the broker is unreachable" if report.broker_error else "no Celery worker answered",
                               returncode=2)
        if code == 1:
            left = sum(1 for s in report.stuck if s.id not in report.requeued)
            raise CommandError(f"{left} stuck transfer(s) left in place", returncode=1)
