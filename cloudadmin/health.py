"""`/healthz`: is this deployment able to work? Unauthenticated, so the body
names each part and says ok/failed, and nothing else: no hosts, URLs,
versions or exception texts (those go to the log)."""
import logging
import re
import threading
import time

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app

logger = logging.getLogger(__name__)

OK, FAILED, NOT_CONFIGURED = "ok", "failed", "not configured"


def check_database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def check_broker() -> bool:
    timeout = settings.HEALTH_BROKER_TIMEOUT
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=timeout,
                                  socket_timeout=timeout)
    try:
        return bool(client.ping())
    finally:
        client.close()


# Checks of the apps' own parts that read their configuration from the
# database ({name: check}); an app registers them when it starts (storage:
# "swift"), since cloudadmin imports no app.
APP_CHECKS: dict = {}


def register_check(name: str, check) -> None:
    """check() returns OK, NOT_CONFIGURED or True, or raises: failed."""
    APP_CHECKS[name] = check


# The layout that every page extends, and the static files it links.
PAGE_LAYOUT = "base.html"


def check_pages() -> bool:
    """Pages can render: the layout's template loads, each `{% static %}` in
    it resolves (with DEBUG off, a name missing from collectstatic's manifest
    raises, as it would on every page), and each file it links is there to
    serve."""
    # An empty request of an anonymous user: the context processors run as
    # for a page (CSRF token, language), without any session or database.
    html = render_to_string(PAGE_LAYOUT, request=HttpRequest())
    prefix = re.escape(settings.STATIC_URL)
    linked = re.findall(rf'(?:href|src)="{prefix}([^"?#]+)"', html)
    if not linked:
        return False
    # DEBUG serves from the source folders (whitenoise's finders), production
    # from STATIC_ROOT, as collected.
    present = finders.find if settings.DEBUG else staticfiles_storage.exists
    missing = [name for name in linked if not present(name)]
    if missing:
        logger.warning("health check pages: static files missing: %s", ", ".join(missing))
    return not missing


def check_workers() -> bool:
    """Every queue has a worker that answers in time: the `celery` queue's
    (scans, short tasks) and the transfers queue's, two services since a
    transfers worker down would leave every copy queued."""
    # A connection to the broker named in settings now (not the one the app
    # was configured with at import), so the check follows the setting.
    with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        replies = celery_app.control.inspect(timeout=settings.HEALTH_WORKER_TIMEOUT,
                                             connection=conn).active_queues() or {}
    consumed = {queue["name"] for queues in replies.values() for queue in queues or ()}
    return {settings.CELERY_TASK_DEFAULT_QUEUE, settings.TRANSFER_QUEUE} <= consumed


def _run(name, check):
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a failed part is an answer, not a crash
        # SwiftError messages are safe; other texts stay in the log only.
        logger.warning("health check %s failed: %s: %s", name, type(exc).__name__, exc)
        return FAILED
    if result is True or result == OK:
        return OK
    if result == NOT_CONFIGURED:
        return NOT_CONFIGURED
    logger.warning("health check %s failed", name)
    return FAILED


def run_checks() -> dict:
    parts = {"database": _run("database", check_database)}
    parts["pages"] = _run("pages", check_pages)
    parts["broker"] = _run("broker", check_broker)
    # Without the database there is no configuration (of Swift) to read,
    # and without the broker no worker can answer.
    for name, check in APP_CHECKS.items():
        parts[name] = _run(name, check) if parts["database"] == OK else FAILED
    parts["workers"] = _run("workers", check_workers) if parts["broker"] == OK else FAILED
    return parts


# Anyone may call /healthz, and each call pings every worker and logs in at
# Swift: one process runs the checks at most once per HEALTH_CACHE_SECONDS.
_cache_lock = threading.Lock()
_cached = {"at": None, "parts": None}


def cached_checks() -> dict:
    with _cache_lock:
        now = time.monotonic()
        if _cached["at"] is None or now - _cached["at"] >= settings.HEALTH_CACHE_SECONDS:
            _cached["parts"], _cached["at"] = run_checks(), time.monotonic()
        return dict(_cached["parts"])


@login_not_required
@never_cache
@require_GET
def healthz(request):
    parts = cached_checks()
    healthy = all(state in (OK, NOT_CONFIGURED) for state in parts.values())
    return JsonResponse({"status": OK if healthy else FAILED, "checks": parts},
                        status=200 if healthy else 503)
