"""Storage's answers to what the zones app asks (zones.hooks), registered by
StorageConfig.ready: a zone enabled starts its scan and the copy of its
templates to Swift; share checks run on a worker."""
from storage import dispatch
from storage.catalog import sync
from storage.secondary.share_checks import ShareCheck
from zones import hooks


def zone_enabled(zone, *, user=None) -> None:
    sync.start_zone_sync(zone, user=user)


def check_draft_share(draft_id: int, token: str) -> None:
    dispatch.task("check_wizard_share").delay(draft_id, token)


def check_store(store_id: int) -> None:
    dispatch.task("check_secondary_storage").delay(store_id)


def share_ok_message(templates: int) -> str:
    return ShareCheck(url="", folder="", ok=True, templates=templates).summary


def register() -> None:
    hooks.register(zone_enabled=zone_enabled, check_draft_share=check_draft_share, check_store=check_store,
                   share_ok_message=share_ok_message)
