"""The web app as a real gunicorn process on the test database, for e2e tests
that must restart it (pytest-django's live_server runs in the test process
and cannot). The production command (scripts/services.py's "web") with one
worker on a free port that stays the same across restarts; the settings are
the test suite's (tests/settings.py: production settings, plain HTTP), the
environment the Celery worker's (tests/conftest.py's worker_env) plus `extra`."""
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.transfer_helpers import wait_for

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebProcess:
    def __init__(self, env: dict, log_path: Path):
        self.env, self.log_path = env, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cloudadmin.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "4", "--timeout", "300"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        wait_for(self.answers, timeout=120, interval=0.2, message=f"gunicorn on {self.url}; see {self.log_path}")
        return self

    def answers(self) -> bool:
        assert self.proc.poll() is None, f"gunicorn exited:\n{self.log()}"
        try:
            with urllib.request.urlopen(f"{self.url}/login/", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def kill(self):
        """Master and worker at once, as a crash or an OOM kill would: no
        request finishes, nothing is flushed."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(20)

    def restart(self):
        self.kill()
        return self.start()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]
