"""The docker compose deployment as local processes, for the production smoke
test (tests/e2e/test_production_smoke.py).

Each service runs its command from scripts/services.py, the list that the
Dockerfile and docker-compose.yml use, with the environment compose gives it:
.env.example's settings (with real secrets) and the `x-app` environment of
docker-compose.yml. What differs, and only because these are local processes
beside other test runs: the addresses (a throw-away PostgreSQL database, a
Redis of its own, free ports, temporary folders) and, since no TLS proxy is
in front, SECURE_SSL_REDIRECT=0.
"""
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import yaml

from tests.process_helpers import dies_with_parent, script_module

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


services = script_module("services")


def env_example() -> dict:
    pairs = (line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
             if "=" in line and not line.lstrip().startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def compose_environment(**addresses) -> dict:
    """The environment of the app services in compose, with `addresses`
    (DATABASE_URL, CELERY_BROKER_URL, ...) in place of compose's host names."""
    environment = {**env_example(), **COMPOSE["x-app"]["environment"]}
    unknown = set(addresses) - set(environment)
    assert not unknown, f"not set by compose or .env.example: {unknown}"
    return {**environment, **addresses}


def command(name: str, replace: dict | None = None) -> list[str]:
    """The service's argv, with container paths and ports replaced."""
    argv = list(services.SERVICES[name][1])
    for old, new in (replace or {}).items():
        assert old in argv, f"{name}: {old!r} is no longer in its command"
        argv[argv.index(old)] = new
    return argv


def process_env(name: str, settings_env: dict) -> dict:
    """A clean environment (nothing of the test run's own settings), with the
    virtualenv's python, gunicorn and celery first on PATH, as in the image."""
    base = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1",
            **settings_env}
    return services.environment(name, base)


class Service:
    def __init__(self, name, argv, env, log_dir):
        self.name, self.argv, self.env = name, argv, env
        self.log_path = Path(log_dir) / f"{name}.log"
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(dies_with_parent(self.argv), cwd=ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    def run(self, timeout=300):
        """A one-shot service (build step, migrate): to the end, successfully."""
        self.start()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        assert code == 0, f"{self.name} exited with {code}:\n{self.log()}"
        return self.log()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def log(self):
        return self.log_path.read_text(errors="replace")[-6000:]


def wait_for(what, probe, services_alive, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for service in services_alive:
            assert service.alive(), f"{service.name} exited while waiting for {what}:\n{service.log()}"
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}:\n" + "\n".join(s.log() for s in services_alive))


def http_get(url, host):
    """(status, body) of a GET, or None when nothing answers yet."""
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return None


def throwaway_database(db_settings):
    """A fresh PostgreSQL database on the test server: (url, drop())."""
    import psycopg2

    name = f"cloudadmin_smoke_{uuid.uuid4().hex[:10]}"
    params = {"host": db_settings.get("HOST") or "127.0.0.1", "port": db_settings.get("PORT") or 5432,
              "user": db_settings.get("USER") or "postgres", "password": db_settings.get("PASSWORD") or None,
              "dbname": "postgres"}

    def execute(sql):
        conn = psycopg2.connect(**params)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    execute(f'CREATE DATABASE "{name}"')
    password = f":{params['password']}" if params["password"] else ""
    url = f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"
    return url, lambda: execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
