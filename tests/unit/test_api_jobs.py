"""The async job row: claimed once, taken over only after its worker died."""
from datetime import timedelta

import pytest
from django.utils import timezone

from api import jobs
from api.models import AsyncJob
from api.responses import ApiError

pytestmark = pytest.mark.django_db


def test_a_job_is_claimed_once(settings):
    job = AsyncJob.objects.create(command="cloudadminTestSwift")
    assert jobs.claim(job.pk) is not None
    assert jobs.claim(job.pk) is None  # a duplicate delivery does nothing
    # A claim older than the task time limit: that worker died, take it over.
    AsyncJob.objects.filter(pk=job.pk).update(
        started=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1))
    assert jobs.claim(job.pk) is not None


def test_finished_jobs_are_never_claimed_again():
    job = AsyncJob.objects.create(command="cloudadminTestSwift")
    jobs.fail(job, ApiError(431, "no"))
    AsyncJob.objects.filter(pk=job.pk).update(started=None)
    assert jobs.claim(job.pk) is None
    described = jobs.describe(AsyncJob.objects.get(pk=job.pk))
    assert (described["jobstatus"], described["jobresultcode"]) == (2, 431)
    assert described["jobresult"]["errortext"] == "no"
    assert described["created"].endswith("+0000")
