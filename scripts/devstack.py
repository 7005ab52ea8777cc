"""`make run`: the whole app on one machine, on embedded defaults.

Migrates, creates the admin and the demo NFS secondary storage, then starts
the local Swift (with memcached), Redis if nothing listens, a Celery worker
with beat, and the web server. Ctrl-C stops every process started here.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DATA_DIR = Path(os.environ.get("DATA_DIR", ROOT / "var")).resolve()
WEB_PORT = int(os.environ.get("WEB_PORT", "8000"))
SWIFT_PORT = int(os.environ.get("SWIFT_PORT", "8080"))
# tempauth in the Swift proxy, or "keystone": a local Keystone in front of it.
SWIFT_AUTH = os.environ.get("SWIFT_AUTH", "tempauth")
KEYSTONE_PORT = int(os.environ.get("KEYSTONE_PORT", "5000"))
# What the operator types into the zone wizard's secondary storage step.
DEMO_NFS_SERVER = "127.0.0.1"
DEMO_NFS_PATH = "/export/secondary"


def listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


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


def enable_swift_banner() -> str:
    """What to type into the Enable Swift dialog for the Swift started here."""
    if SWIFT_AUTH == "keystone":
        sys.path.insert(0, str(ROOT))
        from storage import localkeystone as ks

        return ("  Enable Swift dialog (Swift behind the local Keystone v3):\n"
                f"    URL      http://127.0.0.1:{KEYSTONE_PORT}/v3\n"
                f"    Account  {ks.PROJECT}\n    Username {ks.USERNAME}\n    Key      {ks.PASSWORD}\n"
                f"    Domain   {ks.DOMAIN}\n")
    return ("  Enable Swift dialog:\n"
            f"    URL      http://127.0.0.1:{SWIFT_PORT}/auth/v1.0\n"
            "    Account  test\n    Username tester\n    Key      testing\n")


def manage(env, *args, capture=False):
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True,
                            capture_output=capture, text=True)
    return result.stdout if capture else None


def main() -> int:
    env = environment()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--noinput", "-v", "0")
    admin_note = manage(env, "ensure_admin", capture=True).strip()
    manage(env, "create_demo_storage", str(DATA_DIR / "secondary"))

    processes: list[subprocess.Popen] = []

    def spawn(name, args):
        print(f"starting {name}: {' '.join(args)}", flush=True)
        proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        proc.name = name
        processes.append(proc)
        return proc

    broker = urlparse(env["CELERY_BROKER_URL"])
    host, port = broker.hostname or "127.0.0.1", broker.port or 6379
    if not listening(host, port):
        if host in ("127.0.0.1", "localhost") and shutil.which("redis-server"):
            spawn("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no"])
        else:
            print(f"Nothing listens at {host}:{port} for CELERY_BROKER_URL. "
                  "Install Redis: sudo apt-get install -y redis-server", file=sys.stderr)
            return 1
    if SWIFT_AUTH not in ("tempauth", "keystone"):
        print(f"SWIFT_AUTH is tempauth or keystone, not {SWIFT_AUTH!r}.", file=sys.stderr)
        return 1
    if SWIFT_AUTH == "keystone" and listening("127.0.0.1", KEYSTONE_PORT):
        print(f"Port {KEYSTONE_PORT} is taken; set KEYSTONE_PORT to a free port.", file=sys.stderr)
        return 1
    if listening("127.0.0.1", SWIFT_PORT):
        print(f"Port {SWIFT_PORT} is taken; set SWIFT_PORT to a free port.", file=sys.stderr)
        return 1
    if listening("127.0.0.1", WEB_PORT):
        print(f"Port {WEB_PORT} is taken; set WEB_PORT to a free port.", file=sys.stderr)
        return 1

    def stop_all(*_):
        for proc in processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in processes:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    # Explicit handlers: a shell that starts us in the background leaves
    # SIGINT ignored, and SIGTERM/SIGHUP must stop the children too.
    def interrupt(*_):
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    try:
        swift_args = ["--port", str(SWIFT_PORT)]
        if SWIFT_AUTH == "keystone":
            swift_args += ["--auth", "keystone", "--keystone-port", str(KEYSTONE_PORT)]
        spawn("swift", [PY, "manage.py", "runswift", *swift_args])
        spawn("worker", [PY, "-m", "celery", "-A", "cloudadmin", "worker", "--beat",
                         "--queues", "celery,transfers", "--loglevel", "INFO",
                         "--schedule", str(DATA_DIR / "celerybeat-schedule")])
        spawn("web", [PY, "manage.py", "runserver", "--noreload", f"127.0.0.1:{WEB_PORT}"])
        deadline = time.monotonic() + (240 if SWIFT_AUTH == "keystone" else 60)
        while not (listening("127.0.0.1", WEB_PORT) and listening("127.0.0.1", SWIFT_PORT)):
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                print("A process failed to start; stopping.", file=sys.stderr)
                return 1
            time.sleep(0.3)
        print(
            "\n" + "=" * 72 + "\n"
            f"cloudadmin is running at http://127.0.0.1:{WEB_PORT}/\n"
            "  login: user admin; " + admin_note.replace("\n", " ") + "\n"
            + enable_swift_banner() +
            "  Zone wizard, secondary storage step:\n"
            f"    NFS Server {DEMO_NFS_SERVER}\n    Path       {DEMO_NFS_PATH}\n"
            "Press Ctrl-C to stop everything.\n" + "=" * 72, flush=True,
        )
        while True:
            for proc in processes:
                if proc.poll() is not None:
                    print(f"{proc.name} exited with {proc.returncode}; stopping.", file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
