"""`make run`: the whole app on one machine, on embedded defaults.

Migrates, creates the admin and the demo NFS secondary storage, then starts
the local Swift (with memcached), Redis if nothing listens, the two Celery
workers of scripts/services.py (queue celery with beat; transfers, a threads
pool of TRANSFER_CONCURRENCY) and the web server, and supervises them:

- the URL is announced once the web server answers and the local Swift
  answers an authenticated request (so Enable Swift works at once);
- a child that exits is logged and started again after 1, 2, 4 ... at most
  30 seconds, the others carrying on; what it left in its process group (a
  worker's beat, its pool) is stopped first, so no beat runs twice;
- Ctrl-C, SIGTERM or SIGHUP stop every child's process group, dead or alive,
  and should devstack itself be killed its children get SIGTERM.

DATA_DIR (`var/`) is created mode 0700 and the SQLite file 0600.
"""
import ctypes
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import services  # noqa: E402 - the one list of commands, beside this script
PY = sys.executable
DEFAULT_DATA_DIR = ROOT / "var"
DATA_DIR = Path(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR)).resolve()
WEB_PORT = int(os.environ.get("WEB_PORT", "8000"))
SWIFT_PORT = int(os.environ.get("SWIFT_PORT", "8080"))
# tempauth in the Swift proxy, or "keystone": a local Keystone in front of it.
SWIFT_AUTH = os.environ.get("SWIFT_AUTH", "tempauth")
KEYSTONE_PORT = int(os.environ.get("KEYSTONE_PORT", "5000"))
# What the operator types into the zone wizard's secondary storage step.
DEMO_NFS_SERVER = "127.0.0.1"
DEMO_NFS_PATH = "/export/secondary"
# The local Swift's tempauth user (storage/swift/localswift.py).
SWIFT_USER, SWIFT_KEY = "test:tester", "testing"
RESTART_BACKOFF_MAX = 30.0  # seconds between restarts of a child that keeps exiting
RESTART_STABLE_SECONDS = 60.0  # a child that ran this long starts its backoff afresh
STOP_TIMEOUT = 15.0  # seconds a process group has to stop on SIGTERM before SIGKILL


def log(message: str) -> None:
    print(f"devstack: {message}", file=sys.stderr, flush=True)


def listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def swift_answers(port: int) -> bool:
    """True once the local Swift takes an authenticated request: a token from
    tempauth, then a HEAD of the account with it (proxy, memcached and the
    account server all work)."""
    try:
        if SWIFT_AUTH == "keystone":  # a token and the storage URL from Keystone's catalog
            ks = localkeystone()
            storage_url, token = ks.KeystoneSwift(root=DATA_DIR, proxy_port=port, keystone=ks.LocalKeystone(
                root=DATA_DIR, port=KEYSTONE_PORT)).authenticate()
        else:
            auth = urllib.request.Request(f"http://127.0.0.1:{port}/auth/v1.0",
                                          headers={"X-Auth-User": SWIFT_USER, "X-Auth-Key": SWIFT_KEY})
            with urllib.request.urlopen(auth, timeout=3) as response:
                storage_url, token = response.headers["X-Storage-Url"], response.headers["X-Auth-Token"]
        if not storage_url or not token:
            return False
        account = urllib.request.Request(storage_url, method="HEAD", headers={"X-Auth-Token": token})
        with urllib.request.urlopen(account, timeout=3):
            return True
    except (OSError, ValueError):  # URLError and HTTPError are OSErrors
        return False


def localkeystone():
    """storage.swift.localkeystone (free of Django), for SWIFT_AUTH=keystone."""
    sys.path.insert(0, str(ROOT))
    from storage.swift import localkeystone as module

    return module


def web_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def _die_with_parent() -> None:
    """Popen preexec_fn: SIGTERM for the child should devstack be killed."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the explicit stop below still applies


def group_alive(group: int) -> bool:
    """Whether a process group still has a live (non-zombie) member."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            return True
    return False


def stop_groups(groups, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM every group, then SIGKILL those still alive after `timeout`."""
    groups = set(groups)
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        groups = {g for g in groups if group_alive(g)}
        for group in groups:
            try:
                os.killpg(group, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + wait
        while groups and time.monotonic() < deadline:
            groups = {g for g in groups if group_alive(g)}
            time.sleep(0.1)
        if not groups:
            return
    log(f"process groups still alive after SIGKILL: {sorted(groups)}")


class Child:
    """One command devstack runs, each start in a process group of its own."""

    def __init__(self, name: str, args: list[str], env: dict):
        self.name, self.args, self.env = name, args, env
        self.proc: subprocess.Popen | None = None
        self.groups: list[int] = []  # every group it ever had, for the final stop
        self.failures = 0
        self.started_at = 0.0
        self.restart_at: float | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        self.started_at = time.monotonic()
        self.groups.append(self.proc.pid)
        log(f"started {self.name} (pid {self.proc.pid}): {' '.join(self.args)}")


class Supervisor:
    def __init__(self, env: dict):
        self.env = env
        self.children: list[Child] = []

    def spawn(self, name: str, args: list[str]) -> Child:
        child = Child(name, args, self.env)
        self.children.append(child)
        child.start()
        return child

    def check(self) -> None:
        """Restart, with backoff, the children that exited."""
        for child in self.children:
            now = time.monotonic()
            if child.restart_at is None and child.proc.poll() is not None:
                stop_groups([child.proc.pid])  # what it left behind, e.g. a worker's beat
                if now - child.started_at >= RESTART_STABLE_SECONDS:
                    child.failures = 0
                child.failures += 1
                delay = min(RESTART_BACKOFF_MAX, 2.0 ** (child.failures - 1))
                child.restart_at = now + delay
                log(f"{child.name} exited with {child.proc.returncode}; restarting in {delay:g} s")
            elif child.restart_at is not None and now >= child.restart_at:
                child.restart_at = None
                child.start()

    def wait_ready(self, ready) -> None:
        """Supervise until every check in `ready` (name: predicate) passes."""
        since = time.monotonic()
        while True:
            self.check()
            waiting = [name for name, predicate in ready.items() if not predicate()]
            if not waiting:
                return
            if time.monotonic() - since >= 30:
                log(f"still waiting for {', '.join(waiting)}")
                since = time.monotonic()
            time.sleep(0.5)

    def stop_all(self) -> None:
        for child in self.children:
            if child.proc is not None:
                child.proc.poll()  # reap, so that a dead leader is no zombie of ours
        stop_groups([group for child in self.children for group in child.groups])
        for child in self.children:
            if child.proc is not None:
                child.proc.poll()


def prepare_data_dir(env: dict) -> None:
    """DATA_DIR private to this user (0700) and the SQLite file 0600: they
    hold the secret key, sessions and the encrypted secrets."""
    if not DATA_DIR.exists():
        DATA_DIR.mkdir(parents=True, mode=0o700)
    mode = stat.S_IMODE(DATA_DIR.stat().st_mode)
    if mode & 0o077:
        if DATA_DIR == DEFAULT_DATA_DIR.resolve():
            DATA_DIR.chmod(0o700)
        else:
            log(f"{DATA_DIR} is mode {mode:o}: others may read it; consider chmod 700")
    url = env.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'cloudadmin.sqlite3'}"
    if url.startswith("sqlite:///"):
        database = Path(url[len("sqlite:///"):])
        os.close(os.open(database, os.O_RDWR | os.O_CREAT, 0o600))  # SQLite takes an empty file
        database.chmod(0o600)


def environment() -> dict:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("DATA_DIR", str(DATA_DIR))
    env.setdefault("RESTART_COMMAND", "make run (press Ctrl-C, then run it again)")
    demo = DATA_DIR / "secondary"
    env.setdefault("NFS_MOUNTS", f"nfs://{DEMO_NFS_SERVER}{DEMO_NFS_PATH}={demo}")
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(env, *args, capture=False):
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True,
                            capture_output=capture, text=True)
    return result.stdout if capture else None


def swift_configured(env) -> bool:
    code = "from django.apps import apps; print(apps.get_model('storage', 'SwiftStore').objects.exists())"
    output = manage(env, "shell", "--no-imports", "-v", "0", "-c", code, capture=True)
    return output.strip().splitlines()[-1:] == ["True"]


def banner(admin_note: str, swift_is_configured: bool) -> str:
    if SWIFT_AUTH == "keystone":
        ks = localkeystone()
        keystone_url = f"http://127.0.0.1:{KEYSTONE_PORT}/v3"
        swift = (f"  Swift is configured; the local Swift runs behind Keystone {keystone_url}\n"
                 if swift_is_configured else
                 "  Enable Swift dialog (the local Swift behind the local Keystone v3):\n"
                 f"    URL      {keystone_url}\n    Account  {ks.PROJECT}\n    Username {ks.USERNAME}\n"
                 f"    Key      {ks.PASSWORD}\n    Domain   {ks.DOMAIN}\n")
    elif swift_is_configured:
        swift = f"  Swift is configured; the local Swift runs at http://127.0.0.1:{SWIFT_PORT}/auth/v1.0\n"
    else:
        swift = ("  Enable Swift dialog:\n"
                 f"    URL      http://127.0.0.1:{SWIFT_PORT}/auth/v1.0\n"
                 "    Account  test\n    Username tester\n    Key      testing\n")
    return (
        "\n" + "=" * 72 + "\n"
        f"cloudadmin is running at http://127.0.0.1:{WEB_PORT}/\n"
        "  login: user admin; " + admin_note.replace("\n", " ") + "\n"
        + swift +
        "  Zone wizard, secondary storage step:\n"
        f"    NFS Server {DEMO_NFS_SERVER}\n    Path       {DEMO_NFS_PATH}\n"
        "Press Ctrl-C to stop everything.\n" + "=" * 72
    )


def configuration_problem() -> str:
    """Why the stack cannot start as configured ("" when it can)."""
    if SWIFT_AUTH not in ("tempauth", "keystone"):
        return f"SWIFT_AUTH is tempauth or keystone, not {SWIFT_AUTH!r}."
    ports = [("KEYSTONE_PORT", KEYSTONE_PORT)] if SWIFT_AUTH == "keystone" else []
    for name, port in [*ports, ("SWIFT_PORT", SWIFT_PORT), ("WEB_PORT", WEB_PORT)]:
        if listening("127.0.0.1", port):
            return f"Port {port} is taken; set {name} to a free port."
    return ""


def main() -> int:
    env = environment()
    prepare_data_dir(env)
    manage(env, "migrate", "--noinput", "-v", "0")
    admin_note = manage(env, "ensure_admin", capture=True).strip()
    manage(env, "create_demo_storage", str(DATA_DIR / "secondary"))
    swift_is_configured = swift_configured(env)

    supervisor = Supervisor(env)
    broker = urlparse(env["CELERY_BROKER_URL"])
    host, port = broker.hostname or "127.0.0.1", broker.port or 6379
    start_redis = not listening(host, port)
    if start_redis and not (host in ("127.0.0.1", "localhost") and shutil.which("redis-server")):
        print(f"Nothing listens at {host}:{port} for CELERY_BROKER_URL. "
              "Install Redis: sudo apt-get install -y redis-server", file=sys.stderr)
        return 1
    refusal = configuration_problem()
    if refusal:
        print(refusal, file=sys.stderr)
        return 1

    # Explicit handlers: a shell that starts us in the background leaves
    # SIGINT ignored, and SIGTERM/SIGHUP must stop the children too.
    def interrupt(*_):
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    try:
        if start_redis:
            supervisor.spawn("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no"])
        swift_args = ["--port", str(SWIFT_PORT)]
        if SWIFT_AUTH == "keystone":
            swift_args += ["--auth", "keystone", "--keystone-port", str(KEYSTONE_PORT)]
        supervisor.spawn("swift", [PY, "manage.py", "runswift", *swift_args])
        # The deployment's two workers (scripts/services.py), beat inside the first.
        supervisor.spawn("worker", [*services.worker_argv("worker", PY), "--beat",
                                    "--schedule", str(DATA_DIR / "celerybeat-schedule")])
        supervisor.spawn("transfers", services.worker_argv("transfers", PY))
        supervisor.spawn("web", [PY, "manage.py", "runserver", "--noreload", f"127.0.0.1:{WEB_PORT}"])
        supervisor.wait_ready({"web": lambda: web_answers(WEB_PORT), "swift": lambda: swift_answers(SWIFT_PORT)})
        print(banner(admin_note, swift_is_configured), flush=True)
        while True:
            supervisor.check()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    finally:
        # A second Ctrl-C must not cut the stop short and leave processes behind.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        supervisor.stop_all()


if __name__ == "__main__":
    sys.exit(main())
