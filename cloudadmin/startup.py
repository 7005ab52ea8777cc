"""What the management server (the web process) does when it starts.

Called from cloudadmin/wsgi.py, which runserver and gunicorn both load, and
not from AppConfig.ready: every manage.py command runs that, and a pending
setting must take effect only when the server itself restarts.
"""
import logging

from django.db import DatabaseError, transaction

from . import config, events
from .messages import coded
from .models import GlobalSetting

logger = logging.getLogger(__name__)


def apply_pending_settings() -> list[str]:
    """Put every pending setting value in effect; returns the names applied.

    Safe with several web workers starting at once: each row is locked and
    re-read, so a pending value is applied (and recorded) exactly once.
    """
    applied = []
    names = GlobalSetting.objects.filter(pending_value__isnull=False).values_list("name", flat=True)
    for name in list(names):
        with transaction.atomic():
            row = GlobalSetting.objects.select_for_update().filter(
                name=name, pending_value__isnull=False).first()
            if row is None:
                continue  # another worker applied it
            old, row.value, row.pending_value = row.value, row.pending_value, None
            row.save(update_fields=["value", "pending_value", "updated"])
            events.record("setting.apply", username="system", target=name,
                          detail=coded("%(old)s → %(new)s, applied at management server start",
                                       old=old, new=row.value))
        applied.append(name)
        logger.info("Applied pending setting %s = %s", name, row.value)
    return applied


def on_web_process_start() -> None:
    """Start-up work of the web process. A database that is not reachable or
    not migrated yet must not stop the server from starting: the pending
    change then stays pending (and shown) until the next start."""
    try:
        config.seed_missing()  # settings declared since the last migrate get their rows
        apply_pending_settings()
    except DatabaseError as exc:
        logger.error("Pending settings not applied at start-up: %s", exc)
