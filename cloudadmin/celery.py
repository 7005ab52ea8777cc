"""The Celery app. Configuration is in settings (CELERY_* names): acks_late,
prefetch 1, time limits below the Redis visibility timeout, results ignored
because every job's state lives in its own Postgres row."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudadmin.settings")

app = Celery("cloudadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
