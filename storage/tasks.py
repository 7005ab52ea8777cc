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


@shared_task(ignore_result=False)
def list_share(secondary_storage_id: int) -> dict:
    """The compare view's NFS side, read on a worker that has the share
    mounted when the web host has not (storage.compare). Never raises: an
    unreadable share comes back as {"error": ...}."""
    from . import compare, nfs
    from .models import SecondaryStorage

    store = SecondaryStorage.objects.filter(pk=secondary_storage_id).first()
    if store is None:
        return {"error": "no such secondary storage", "templates": {}}
    try:
        templates = compare.read_share(nfs.local_path(store.server, store.path))
    except OSError as exc:
        return {"error": exc.strerror or str(exc), "templates": {}}
    return {"error": "", "templates": {str(k): v for k, v in templates.items()}}
