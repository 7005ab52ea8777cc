from celery import shared_task

from . import events


@shared_task
def ping(note: str) -> None:
    """Proves a worker is alive and can write to the database."""
    events.record("worker.ping", username="worker", target=note)
