"""Celery tasks of the storage app: one-line entry points into the modules
that do the work. Tasks named transfer_* go to the transfers queue
(CELERY_TASK_ROUTES). Code below this module queues them by name
(storage.dispatch), so nothing imports it back."""
from celery import shared_task

from storage.catalog import scanner, sync, uploads
from storage.secondary import listing, share_checks
from storage.transfers import lifecycle
from zones import wizard


@shared_task(bind=True)
def scan_zone(self, scan_id: int) -> None:
    """Run a queued ZoneScan, then queue the uploads and the copies of
    templates in Swift that the zone lacks."""
    scanner.run_scan_and_replicate(scan_id, worker=self.request.hostname or "")


@shared_task
def sync_due_zones() -> None:
    """Celery beat: scan the zones that are due."""
    sync.sync_due_zones()


@shared_task
def expire_browser_uploads() -> None:
    """Celery beat: remove the uploads from the browser abandoned for UPLOAD_EXPIRY_HOURS."""
    uploads.expire_abandoned()


# transfer_run runs on the transfers worker, a threads pool: several in one
# process, each in its own thread with its own database connection (closed
# after the task by Celery's Django fixup). Threads enforce no time limits
# and take no signals: a copy that hangs stops its heartbeat and
# requeue_stale (beat) hands its row to another thread or host.
@shared_task(bind=True)
def transfer_run(self, transfer_id: int) -> None:
    """Claim and run one Transfer, then its follow-up. A duplicate delivery
    finds the row claimed and does nothing."""
    lifecycle.run(transfer_id, worker=self.request.hostname or "")


# --- NFS secondary storage checks ------------------------------------------------
# soft_time_limit: a stat() on a dead hard NFS mount can hang for ever.


@shared_task(soft_time_limit=60, time_limit=90)
def check_wizard_share(draft_id: int, token: str) -> None:
    """Check the share typed into a zone wizard draft; the wizard records the
    outcome if the draft still asks for this check."""
    wizard.record_share_check(draft_id, token, share_checks.check_share)


@shared_task(soft_time_limit=60, time_limit=90, ignore_result=False)
def check_share(server: str, path: str) -> dict:
    """Add secondary storage to a zone: the wizard's check of the share,
    answered to the page that waits for it."""
    return share_checks.check_share_answer(server, path)


@shared_task(soft_time_limit=60, time_limit=90)
def check_secondary_storage(store_id: int) -> None:
    """Refresh one store's state (after a zone is launched)."""
    share_checks.refresh_store_state_of(store_id)


@shared_task(soft_time_limit=300, time_limit=360)
def refresh_secondary_storage_states() -> None:
    """Periodic (beat, NFS_CHECK_INTERVAL): refresh every store's Up/Down state."""
    share_checks.refresh_every_store_state()


@shared_task(ignore_result=False)
def list_share(secondary_storage_id: int) -> dict:
    """The compare view's NFS side, read on a worker that has the share
    mounted when the web host has not. Never raises: an unreadable share
    comes back as {"error": ...}."""
    return listing.list_share_of(secondary_storage_id)
