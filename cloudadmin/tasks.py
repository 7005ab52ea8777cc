import logging

from celery import shared_task

from . import events

logger = logging.getLogger(__name__)


@shared_task
def ping(note: str) -> None:
    """Proves a worker is alive and can write to the database."""
    logger.info("ping %s", note)
    events.record("worker.ping", username="worker", target=note)
