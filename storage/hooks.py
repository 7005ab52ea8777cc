"""Entry points other apps call into storage. Kept apart so that callers
(the zone views, the API) depend on a name, not on the engine's internals."""


def on_zone_enabled(zone, *, user=None):
    """A zone was enabled: scan its secondary storage and copy its templates
    to Swift when Swift is configured. Called inside the enabling transaction;
    the engine must enqueue with transaction.on_commit."""
    from storage.catalog import sync  # the transfer engine (storage/sync.py)

    sync.start_zone_sync(zone, user=user)
