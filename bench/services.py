"""What the benches start, in one place: a PostgreSQL database of their own,
a local Swift that leaves nothing behind, gunicorn, and the Celery workers as
scripts/services.py starts them (so a bench follows the deployed pool).
What they measure with is in bench/measures.py.

Import after putting the repository on sys.path; Django is set up by the
caller (`bench_stack` does it)."""
from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-" + secrets.token_urlsafe(12)


# --- processes -------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Processes of a bench, each in its own session (Ctrl-C reaches the bench
    only, which then stops them all) and logging to `logs`/NAME.log."""

    def __init__(self, env: dict, logs: Path):
        self.env, self.logs, self.procs = env, logs, []

    def start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        proc = subprocess.Popen(args, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        self.procs = []


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise SystemExit(f"bench: timed out waiting for {what}")


# --- the database and the environment ---------------------------------------------
def database_urls(name: str | None = None) -> tuple[str, str, str]:
    """(the server's maintenance database URL, the bench database's URL, its
    name): `name`, or a throwaway cloudadmin_bench_<random>."""
    base = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cloudadmin"))
    if not base.scheme.startswith("postgres"):
        raise SystemExit("bench: DATABASE_URL must point at a PostgreSQL server")
    name = name or f"cloudadmin_bench_{uuid.uuid4().hex[:8]}"
    return base._replace(path="/postgres").geturl(), base._replace(path=f"/{name}").geturl(), name


def test_database_name() -> str:
    """test_<DATABASE_URL's name>, the test suite's database (bench/transfer.py's)."""
    return "test_" + urlparse(os.environ.get("DATABASE_URL", "postgres:///cloudadmin")).path.lstrip("/")


def admin_sql(url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _raise_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # the same clean-up as Ctrl-C


def interruptible(main):
    """main() as an exit status; Ctrl-C or SIGTERM (after bench_stack's
    clean-up) is a line and status 130, not a traceback."""
    try:
        return main()
    except KeyboardInterrupt:
        print("\nbench: interrupted; what it started is stopped and removed", file=sys.stderr)
        return 130


@contextlib.contextmanager
def bench_stack(prefix: str, *, database: str | None = None, **env):
    """A scratch folder (NFS_MOUNT_ROOT in scratch/nfs), a fresh database
    (`database`, or a throwaway name) migrated, Django set up with
    bench.settings, and the Processes to start; yields (scratch, processes).
    On exit, Ctrl-C and SIGTERM included: the processes stop, the database
    is dropped and the folder removed."""
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`&`)
    admin_url, db_url, db_name = database_urls(database)
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    (scratch / "nfs").mkdir()
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings", "DATABASE_URL": db_url, "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "NFS_MOUNT_ROOT": str(scratch / "nfs"),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        "PYTHONPATH": str(ROOT), **env,
    })
    processes = Processes(dict(os.environ), scratch)
    try:
        admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin_sql(admin_url, f'CREATE DATABASE "{db_name}"')
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield scratch, processes
    finally:
        processes.stop()
        with contextlib.suppress(Exception):  # Django may not be set up
            from django.db import connections

            connections.close_all()
        admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def local_swift(**kwargs):
    """A started local Swift on free ports; stopped and its folder removed
    on exit (localswift.temporary() leaves the folder)."""
    from storage.swift import localswift

    server = localswift.temporary(**kwargs)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


# --- gunicorn and the Celery workers --------------------------------------------------
def start_gunicorn(processes: Processes, *, workers: int, threads: int, timeout: int | None = None):
    """gunicorn on a free port; returns its base URL and process, once /login/ answers."""
    import requests

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    extra = ["--timeout", str(timeout)] if timeout else []
    proc = processes.start("gunicorn", [sys.executable, "-m", "gunicorn", "cloudadmin.wsgi", "--bind",
                                        f"127.0.0.1:{port}", "--workers", str(workers), "--threads",
                                        str(threads), *extra])

    def web_up():
        try:
            return requests.get(f"{base}/login/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_until(web_up, 60, "gunicorn")
    return base, proc


def _expand(text: str, env: dict) -> str:
    """$VAR, ${VAR} and ${VAR:-default}, as the service's shell would."""
    def value(match):
        name, default = match.group(1) or match.group(3), match.group(2)
        return env.get(name) or (default or "")

    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)", value, text)


def _replace_option(argv: list[str], names: tuple[str, ...], value) -> list[str]:
    """argv without any of the option `names` (spaced or with "="), then NAME VALUE."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in names:
            skip = True
        elif not arg.startswith(tuple(f"{n}=" for n in names)):
            kept.append(arg)
    return [*kept, names[0], str(value)]


def worker_commands(pool: str | None = None, concurrency: int | None = None) -> list[tuple[str, dict, list]]:
    """(service name, forced environment, argv) of every Celery worker service
    of scripts/services.py, run with this Python; `pool`/`concurrency`
    override those of the worker that consumes the transfers queue."""
    spec = importlib.util.spec_from_file_location("cloudadmin_services", ROOT / "scripts" / "services.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    commands = []
    for name, (forced, argv) in module.SERVICES.items():
        env = {**os.environ, **forced}
        if concurrency is not None:
            env["TRANSFER_CONCURRENCY"] = str(concurrency)
        if len(argv) >= 3 and argv[0] in ("sh", "bash") and argv[1] == "-c":
            argv = shlex.split(argv[2])
        argv = [_expand(arg, env) for arg in argv]
        if "celery" not in argv or "worker" not in argv:
            continue
        argv = [sys.executable, "-m", *argv[argv.index("celery"):]]
        flag = next((f for f in ("--queues", "-Q") if f in argv), None)
        queues = argv[argv.index(flag) + 1] if flag else "celery"
        if "transfers" in queues.split(","):
            if pool is not None:
                argv = _replace_option(argv, ("--pool", "-P"), pool)
            if concurrency is not None:
                argv = _replace_option(argv, ("--concurrency", "-c"), concurrency)
        commands.append((name, forced, argv))
    if not commands:
        raise SystemExit("bench: scripts/services.py names no celery worker")
    return commands


def start_workers(processes: Processes, pool: str | None = None, concurrency: int | None = None, *,
                  hosts: int = 1) -> list:
    """The Celery workers of scripts/services.py on the bench's database and
    broker, queues emptied first, `hosts` times (each its own --hostname, as
    on several hosts); returns their processes once each answers a ping."""
    import redis
    from django.conf import settings

    from cloudadmin.celery import app

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("celery", settings.TRANSFER_QUEUE)
    started = []
    for host, (name, forced, argv) in itertools.product(range(1, hosts + 1), worker_commands(pool, concurrency)):
        hostname = f"bench-{name}-{host}-{uuid.uuid4().hex[:6]}@localhost"
        env = {**processes.env, **forced}
        if concurrency is not None:
            env["TRANSFER_CONCURRENCY"] = str(concurrency)
        argv = [*argv, "--hostname", hostname, "--without-gossip", "--without-mingle"]
        proc = processes.start(f"{name}-{host}", argv, env)
        print(f"worker {name} (host {host}): {shlex.join(argv[2:])}", flush=True)
        wait_until(lambda: app.control.ping(destination=[hostname], timeout=0.5), 60, f"the worker {name}")
        started.append(proc)
    return started


def login(base: str, username: str):
    import requests

    session = requests.Session()
    session.get(f"{base}/login/", timeout=30).raise_for_status()
    answer = session.post(f"{base}/login/", allow_redirects=False, timeout=60,
                          data={"username": username, "password": PASSWORD,
                                "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                          headers={"Referer": f"{base}/login/"})
    if answer.status_code != 302:
        raise SystemExit(f"bench: login of {username} answered {answer.status_code}")
    return session
