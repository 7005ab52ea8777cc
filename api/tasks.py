import logging

from celery import shared_task

from . import jobs, registry
from .responses import INTERNAL_ERROR, ApiError

logger = logging.getLogger(__name__)


@shared_task
def run_job(job_id: str) -> None:
    """Run one async API command. A duplicate delivery finds the job claimed
    and does nothing; every outcome ends in the row."""
    job = jobs.claim(job_id)
    if job is None:
        return
    command = registry.COMMANDS.get(job.command.lower())
    try:
        if command is None or command.run is None:
            raise ApiError(INTERNAL_ERROR, f"No runner for command {job.command}.")
        result = command.run(job)
    except ApiError as error:
        jobs.fail(job, error)
    except Exception:  # noqa: BLE001 - the job must end failed, not stay pending
        logger.exception("async job %s (%s) failed", job_id, job.command)
        jobs.fail(job, ApiError(INTERNAL_ERROR, "Internal error executing the job, please contact "
                                                "your system administrator"))
    else:
        jobs.finish(job, result)
