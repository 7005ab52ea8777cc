"""queryAsyncJobResult and listAsyncJobs."""
import uuid

from ..jobs import describe
from ..models import AsyncJob
from ..registry import COMMANDS, Param, command, list_payload
from ..responses import CS_INVALID_PARAMETER_VALUE, PARAM_ERROR, ApiError


@command("queryAsyncJobResult", Param("jobid", required=True, max_length=64))
def query_async_job_result(user, jobid):
    """Reports an async job's status and, once done, its result."""
    try:
        job = AsyncJob.objects.filter(pk=uuid.UUID(jobid.strip())).first()
    except ValueError:
        job = None
    if job is None:
        raise ApiError(PARAM_ERROR, f"Unable to execute API command queryasyncjobresult due to invalid value. "
                                    f"Invalid parameter jobid value={jobid[:64]}: no such job",
                       CS_INVALID_PARAMETER_VALUE)
    return describe(refreshed(job))


def refreshed(job: AsyncJob) -> AsyncJob:
    """The job, ended first if the row it waits on has ended."""
    command = COMMANDS.get(job.command.lower())
    if job.status == AsyncJob.Status.PENDING and command is not None and command.refresh is not None:
        command.refresh(job)
        job.refresh_from_db()
    return job


@command("listAsyncJobs", is_list=True)
def list_async_jobs(user, keyword=None, **paging):
    """Lists the async jobs of the calling admin, newest first."""
    jobs = AsyncJob.objects.filter(user=user)
    if keyword:
        jobs = jobs.filter(command__icontains=keyword)
    return list_payload("asyncjobs", jobs, paging, describe=lambda job: describe(refreshed(job)))
