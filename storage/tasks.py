"""Celery tasks of the storage app: thin wrappers over the engine modules.
Tasks named transfer_* go to the transfers queue (CELERY_TASK_ROUTES)."""
from celery import shared_task


@shared_task
def scan_zone(scan_id: int) -> None:
    """Run a queued ZoneScan (storage.scanner), then queue the uploads."""
    from . import scanner

    scanner.run_scan(scan_id)


@shared_task
def sync_due_zones() -> None:
    """Celery beat: scan the zones that are due (storage.sync)."""
    from . import sync

    sync.sync_due_zones()


@shared_task(bind=True)
def transfer_run(self, transfer_id: int) -> None:
    """Claim and run one Transfer (storage.engine). A duplicate delivery
    finds the row claimed and does nothing."""
    from . import engine

    engine.run_transfer(transfer_id, worker=self.request.hostname or "")
