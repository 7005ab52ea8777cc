"""Celery tasks of the storage app: thin wrappers over the engine modules.
Tasks named transfer_* go to the transfers queue (CELERY_TASK_ROUTES)."""
from celery import shared_task


@shared_task(bind=True)
def scan_zone(self, scan_id: int) -> None:
    """Run a queued ZoneScan (storage.scanner), then queue the uploads, and
    the copies of templates in Swift that the zone lacks
    (storage.replication)."""
    from . import replication, scanner

    scan = scanner.run_scan(scan_id, worker=self.request.hostname or "")
    if scan is not None and scan.state == scan.State.DONE:  # not onto a store that cannot be read
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


# --- NFS secondary storage checks (storage/share_checks.py) -----------------
# soft_time_limit: a stat() on a dead hard NFS mount can hang for ever.


@shared_task(soft_time_limit=60, time_limit=90)
def check_wizard_share(draft_id: int, token: str) -> None:
    """Check the share typed into a zone wizard draft; write the outcome back
    to the draft if it still asks for this check (same token, still pending)."""
    from django.utils import timezone

    from zones.models import ZoneWizardDraft

    from . import share_checks

    draft = ZoneWizardDraft.objects.filter(pk=draft_id, share_check__token=token).first()
    if draft is None:
        return
    result = share_checks.check_share(draft.share_check["server"], draft.share_check["path"])
    outcome = {**draft.share_check, "status": "ok" if result.ok else "failed", "message": result.summary,
               "templates": result.templates, "checked": timezone.now().isoformat()}
    ZoneWizardDraft.objects.filter(pk=draft_id, share_check__token=token,
                                   share_check__status="pending").update(share_check=outcome)


@shared_task(soft_time_limit=60, time_limit=90)
def check_secondary_storage(store_id: int) -> None:
    """Refresh one store's state (after a zone is launched)."""
    from . import share_checks
    from .models import SecondaryStorage

    store = SecondaryStorage.objects.filter(pk=store_id).first()
    if store is not None:
        share_checks.refresh_store_state(store)


@shared_task(soft_time_limit=300, time_limit=360)
def refresh_secondary_storage_states() -> None:
    """Periodic (beat, NFS_CHECK_INTERVAL): refresh every store's Up/Down state."""
    from . import share_checks
    from .models import SecondaryStorage

    for store in SecondaryStorage.objects.all():
        share_checks.refresh_store_state(store)


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
