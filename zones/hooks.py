"""What the zones app asks of the storage app, which sits above it. zones
imports nothing of storage but its models: storage registers its answers
here when it starts (storage.zone_hooks, from StorageConfig.ready), so
imports flow one way, storage -> zones."""
from __future__ import annotations

from typing import Callable

from django.core.exceptions import ImproperlyConfigured

_answers: dict[str, Callable] = {}


def register(**answers: Callable) -> None:
    _answers.update(answers)


def _answer(name: str) -> Callable:
    try:
        return _answers[name]
    except KeyError:
        raise ImproperlyConfigured(f"zones.hooks.{name}: the storage app registered no answer") from None


def zone_enabled(zone, *, user=None) -> None:
    """A zone was enabled: scan its secondary storage and copy its templates
    to Swift when Swift is configured. Called inside the enabling
    transaction, so whatever it queues is sent when that commits."""
    _answer("zone_enabled")(zone, user=user)


def check_draft_share(draft_id: int, token: str) -> None:
    """Ask a worker to check the share of a wizard draft (it calls
    zones.wizard.record_share_check with the outcome)."""
    _answer("check_draft_share")(draft_id, token)


def check_store(store_id: int) -> None:
    """Ask a worker to refresh a new secondary storage's Up/Down state."""
    _answer("check_store")(store_id)


def share_ok_message(templates: int):
    """The words of a passed share check that found `templates` templates
    (a coded message, cloudadmin.messages: str() in the active language)."""
    return _answer("share_ok_message")(templates)


def secondary_storage_changed(zone, *, user=None) -> None:
    """An Enabled zone gained or lost secondary storage: scan it again, so
    its templates are copied to Swift and Swift's to it. Called inside the
    changing transaction."""
    _answer("secondary_storage_changed")(zone, user=user)


def check_share_now(server: str, path: str) -> dict:
    """The wizard's share check of nfs://server/path, run by a worker and
    waited for up to SHARE_CHECK_WAIT seconds: {"status": "ok" | "failed" |
    "pending" (no worker answered), "message", "templates"}."""
    return _answer("check_share_now")(server, path)
