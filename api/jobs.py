"""CloudStack's async job pattern on a Postgres row: an async command
answers a `jobid` at once; a worker runs it; queryAsyncJobResult reads the row."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import AsyncJob
from .responses import INTERNAL_ERROR, ApiError
from .serializers.system import ASYNC_JOB




def start(user, command: str, params: dict, *, instance_type: str = "", instance_id="",
          enqueue: bool = True) -> AsyncJob:
    """Create the job row and enqueue it once the row is committed. With
    enqueue=False the work was queued elsewhere (a row of its own, such as a
    zone scan) and the command's `refresh` ends the job from that row."""
    from .tasks import run_job

    job = AsyncJob.objects.create(user=user, command=command, params=params,
                                  instance_type=instance_type, instance_id=str(instance_id or ""))
    if enqueue:
        transaction.on_commit(lambda: run_job.delay(str(job.id)))
    return job


def claim(job_id) -> AsyncJob | None:
    """Take the job for this worker; None when another delivery already did.
    A claim older than the task time limit belongs to a worker that died
    (its task was redelivered): the job is taken over."""
    now = timezone.now()
    abandoned = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimed = AsyncJob.objects.filter(
        Q(started__isnull=True) | Q(started__lt=abandoned), pk=job_id, status=AsyncJob.Status.PENDING,
    ).update(started=now)
    return AsyncJob.objects.select_related("user").get(pk=job_id) if claimed else None


def finish(job: AsyncJob, result: dict) -> None:
    AsyncJob.objects.filter(pk=job.pk).update(status=AsyncJob.Status.SUCCEEDED, result_code=0,
                                              result=result, completed=timezone.now())


def fail(job: AsyncJob, error: ApiError) -> None:
    AsyncJob.objects.filter(pk=job.pk).update(
        status=AsyncJob.Status.FAILED, result_code=error.errorcode or INTERNAL_ERROR,
        result={"errorcode": error.errorcode, "cserrorcode": error.cserrorcode, "errortext": error.errortext},
        completed=timezone.now())


def describe(job: AsyncJob) -> dict:
    """The queryAsyncJobResult / listAsyncJobs shape of a job (AsyncJobResponse)."""
    return ASYNC_JOB.serialize(job)

