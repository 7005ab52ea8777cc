"""What storage registers with the apps below it, which import nothing of
it (StorageConfig.ready): its answers to what the zones app asks
(zones.hooks: a zone enabled starts its scan and the copy of its templates
to Swift; share checks run on a worker), and the Swift part of /healthz."""
import logging

from django.conf import settings

from cloudadmin import health
from storage import dispatch
from storage.catalog import sync
from storage.models import SwiftStore
from storage.secondary.share_checks import ShareCheck
from storage.swift import client as swift
from zones import hooks

logger = logging.getLogger(__name__)


def zone_enabled(zone, *, user=None) -> None:
    sync.start_zone_sync(zone, user=user)


def check_draft_share(draft_id: int, token: str) -> None:
    dispatch.task("check_wizard_share").delay(draft_id, token)


def check_store(store_id: int) -> None:
    dispatch.task("check_secondary_storage").delay(store_id)


def secondary_storage_changed(zone, *, user=None) -> None:
    sync.sync_now(zone, user=user)


def check_share_now(server: str, path: str) -> dict:
    """zones.hooks.check_share_now: the wizard's check on a worker, waited for."""
    try:
        result = dispatch.task("check_share").apply_async((server, path))
        return result.get(timeout=settings.SHARE_CHECK_WAIT, propagate=True)
    except Exception as error:  # noqa: BLE001 - no worker, broker or backend: the share is not checked
        logger.warning("share check of %s:%s not answered: %s", server, path, type(error).__name__)
        return {"status": "pending", "message": "", "templates": 0}


def share_ok_message(templates: int):
    return ShareCheck(url="", folder="", ok=True, templates=templates).summary


def check_swift() -> str:
    """/healthz: the configured Swift accepts our credentials."""
    store = SwiftStore.objects.first()
    if store is None:
        return health.NOT_CONFIGURED
    conn = swift.connect(swift.Credentials.from_store(store), timeout=settings.HEALTH_SWIFT_TIMEOUT)
    try:
        swift.authenticate(conn)
    finally:
        conn.close()
    return health.OK


def register() -> None:
    hooks.register(zone_enabled=zone_enabled, check_draft_share=check_draft_share, check_store=check_store,
                   share_ok_message=share_ok_message, secondary_storage_changed=secondary_storage_changed,
                   check_share_now=check_share_now)
    health.register_check("swift", check_swift)
