"""Queueing storage's Celery tasks from below storage.tasks, which imports
the modules that would otherwise import it back: the task is looked up by
name in the Celery app (StorageConfig.ready imports storage.tasks, so every
process has them registered)."""
from cloudadmin.celery import app


def task(name: str):
    """The task storage.tasks.<name>."""
    return app.tasks[f"storage.tasks.{name}"]
