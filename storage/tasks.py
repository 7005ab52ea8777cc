"""Celery tasks of the storage app: thin wrappers over the engine modules.
Tasks named transfer_* go to the transfers queue (CELERY_TASK_ROUTES)."""
from celery import shared_task


@shared_task
def scan_zone(scan_id: int) -> None:
    """Run a queued ZoneScan (storage.scanner), then queue the uploads, and
    the copies of templates in Swift that the zone lacks
    (storage.replication)."""
    from . import replication, scanner

    scan = scanner.run_scan(scan_id)
    if scan is not None:
        replication.replicate_to_zone(scan.zone_id)


@shared_task
def sync_due_zones() -> None:
    """Celery beat: scan the zones that are due (storage.sync)."""
    from . import sync

    sync.sync_due_zones()


@shared_task(bind=True)
def transfer_run(self, transfer_id: int) -> None:
    """Claim and run one Transfer (storage.engine). A duplicate delivery
    finds the row claimed and does nothing. What follows a finished one: a
    template that reached Swift goes to the zones lacking it
    (storage.replication); a template downloaded from its URL goes to Swift
    (storage.downloads)."""
    from . import downloads, engine, replication
    from .models import Transfer

    state = engine.run_transfer(transfer_id, worker=self.request.hostname or "")
    if state != Transfer.State.DONE:
        return
    transfer = Transfer.objects.select_related("template", "zone").get(pk=transfer_id)
    if transfer.direction == Transfer.Direction.UP:
        replication.replicate_template(transfer.template_id)
    elif transfer.direction == Transfer.Direction.DOWNLOAD:
        downloads.after_download(transfer)
