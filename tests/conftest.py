"""Fixtures on real services: the local Swift, a Celery worker process, and
Debian's chromium through Playwright. Fakes belong in unit tests only."""
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from storage.swift.localswift import AUTH_KEY, AUTH_USER
from tests.process_helpers import dies_with_parent, script_module

ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session):
    """Compile the translation catalogs, as `make test` does, when a .po is
    newer than its .mo (a plain `pytest` run after editing a catalog), and
    collect the static files for the production static storage."""
    for po in (ROOT / "locale").glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime) and shutil.which("msgfmt"):
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
    from tests.static_root import collect_once

    collect_once()


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _caches_empty_between_tests():
    """The caches are production's (tests/settings.py keeps them); each test
    has its own rows, so none starts with another's cached sums."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A request in Japanese leaves Japanese active in the test thread;
    every test starts from the default language."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def local_swift(tmp_path_factory):
    """A real Swift on free loopback ports, for the whole session."""
    from storage.swift import localswift

    swift = localswift.LocalSwift(
        root=tmp_path_factory.mktemp("swift"), proxy_port=localswift.free_port()
    ).start()
    yield swift
    swift.stop()


# Keystone's tokens live this long in the tests: transfers longer than this
# must re-authenticate (tests/integration/test_keystone_transfers.py).
KEYSTONE_TOKEN_SECONDS = 60


@pytest.fixture(scope="session")
def keystone_swift(tmp_path_factory):
    """A real Keystone (its own venv, gunicorn, SQLite) and a local Swift behind
    it (authtoken + keystoneauth), for the whole session; .keystone is the
    Keystone."""
    from storage.swift import localkeystone

    subprocess.run(["bash", str(ROOT / "scripts" / "keystone-venv.sh")], check=True)
    _keystone, swift = localkeystone.start_pair(tmp_path_factory.mktemp("keystone"),
                                                token_expiration=KEYSTONE_TOKEN_SECONDS)
    yield swift
    swift.stop()
    swift.keystone.stop()


@pytest.fixture(params=["tempauth", "keystone"])
def any_swift(request):
    """The local Swift with tempauth, then behind Keystone: the tests that
    exercise authentication, tokens and storage URLs run on both."""
    return request.getfixturevalue("local_swift" if request.param == "tempauth" else "keystone_swift")


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, but its static files come from whitenoise
    in the app's middleware, as in production, not from Django's finders
    (which know no hashed names)."""
    from pytest_django.live_server_helper import LiveServer

    address = (request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
               or "localhost")
    server = LiveServer(address, start=False)
    server.thread.static_handler = lambda application: application
    server.start()
    yield server
    server.stop()


@pytest.fixture
def swift_connection(local_swift):
    import swiftclient

    conn = swiftclient.Connection(
        authurl=local_swift.auth_url, user=AUTH_USER, key=AUTH_KEY, retries=0
    )
    yield conn
    conn.close()


def _database_url(db_settings) -> str:
    user = db_settings.get("USER") or ""
    password = f":{db_settings['PASSWORD']}" if db_settings.get("PASSWORD") else ""
    host = db_settings.get("HOST") or "127.0.0.1"
    port = db_settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db_settings['NAME']}"


def worker_env(**extra) -> dict:
    """The environment of a worker process on the test database and broker."""
    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PYTHONPATH": str(ROOT),
        **extra,
    }


services = script_module("services")


class WorkerProcess:
    """A `celery worker` as deployed: `service` is its command in
    scripts/services.py ("worker": prefork, queue celery; "transfers": the
    threads pool of TRANSFER_CONCURRENCY), on `queues` of the test's own."""

    def __init__(self, env, log_path, service, queues=None):
        self.env = env
        self.service = service
        self.queues = queues
        self.log_path = log_path
        self.proc = None
        self.hostname = None

    def start(self, timeout=60):
        from cloudadmin.celery import app

        self.hostname = f"test-{self.service}-{uuid.uuid4().hex[:8]}@localhost"
        log = open(self.log_path, "ab")
        argv = services.worker_argv(self.service, sys.executable, queues=self.queues, hostname=self.hostname)
        self.proc = subprocess.Popen(
            dies_with_parent([*argv, "--without-gossip", "--without-mingle"]),
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited; see {self.log_path}:\n{self.log()}")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return self
        raise RuntimeError(f"celery worker did not answer; see {self.log_path}")

    def stop(self, sig=15):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(5)

    def log(self):
        return Path(self.log_path).read_text(errors="replace")[-5000:]

    def wait_idle(self, timeout=60):
        """Until this worker runs and holds no task. A task still writing
        when the next test's TRUNCATE comes deadlocks it."""
        from cloudadmin.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            inspect = app.control.inspect(destination=[self.hostname], timeout=1.0, limit=1)
            busy = [*(inspect.active() or {}).get(self.hostname, []),
                    *(inspect.reserved() or {}).get(self.hostname, [])]
            if not busy:
                return
            time.sleep(0.2)


_SESSION_WORKERS: list[WorkerProcess] = []


@pytest.fixture(autouse=True)
def _session_worker_idle_before_flush(request):
    """After a test that committed rows, drop the tasks it left queued and let
    the session worker finish what it runs, before pytest-django empties the
    tables (its teardown runs after this one)."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server"))
    if not _SESSION_WORKERS or not transactional:
        return
    from django.conf import settings

    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("celery", settings.TRANSFER_QUEUE)
    for worker in _SESSION_WORKERS:
        worker.wait_idle()


class WorkerPair:
    """Two workers as deployed: `tasks` (queue celery, prefork) and
    `transfers` (the transfer queue, threads)."""

    def __init__(self, tasks: WorkerProcess, transfers: WorkerProcess):
        self.tasks, self.transfers = tasks, transfers
        self.hostnames = (tasks.hostname, transfers.hostname)

    @classmethod
    def start(cls, env, folder, transfer_queue):
        started = []
        try:
            for service, queue in (("worker", "celery"), ("transfers", transfer_queue)):
                started.append(WorkerProcess(env, Path(folder) / f"{service}.log", service, queues=queue).start())
        except BaseException:
            for worker in started:
                worker.stop()
            raise
        return cls(*started)

    def stop(self):
        self.tasks.stop()
        self.transfers.stop()

    def log(self):
        return f"--- {self.tasks.hostname}\n{self.tasks.log()}\n--- {self.transfers.hostname}\n{self.transfers.log()}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """The real `celery worker` processes of production (scripts/services.py:
    "worker" and "transfers") on the test database and the test broker.

    Tests that use it must commit their rows (transactional_db), since the
    workers read them over their own connections.
    """
    from django.conf import settings

    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # no stale tasks
    pair = WorkerPair.start(worker_env(), tmp_path_factory.mktemp("worker"), settings.TRANSFER_QUEUE)
    _SESSION_WORKERS.extend((pair.tasks, pair.transfers))
    yield pair
    _SESSION_WORKERS.remove(pair.tasks)
    _SESSION_WORKERS.remove(pair.transfers)
    pair.stop()


# --- browser ---------------------------------------------------------------
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in
    # e2e tests are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# Every page reports CSP violations on the console (Chromium does too, but
# not for every kind); the `page` fixture fails the test on any console error.
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation',
  (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));
"""
# Answers the pages expect and show in place (refusals htmx swaps, the
# lockout page), which Chromium still logs as failed loads. 404 and 500 count.
EXPECTED_FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (400|403|409|422|429|502)\b")


def watch_console(context, errors):
    """Collect into `errors` the console errors and uncaught exceptions of
    every page of `context`."""

    def on_console(message):
        if message.type == "error" and not EXPECTED_FAILED_LOAD.search(message.text):
            errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_page(page):
        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))

    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.on("page", on_page)
    return errors


@pytest.fixture
def new_context(browser, request):
    """Browser contexts (new_context(**options)) whose pages are all watched:
    the test fails on a console error or CSP violation in any of them."""
    contexts, errors = [], []

    def make(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(15000)
        context.console_errors = watch_console(context, errors)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    if request.node.get_closest_marker("allow_console_errors") is None:
        assert errors == [], "console errors or CSP violations:\n" + "\n".join(errors)


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def admin_password():
    return "correct-horse-battery-staple"


@pytest.fixture
def admin_user(django_user_model, admin_password):
    return django_user_model.objects.create_superuser("admin", "", admin_password)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def logged_in_page(page, live_server, admin_user, admin_password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(admin_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page
