"""`make run` (scripts/devstack.py) supervises what it starts, tested with
the real processes: its own DATA_DIR, ports and Redis (started by devstack,
since nothing listens at its CELERY_BROKER_URL), SQLite as by default."""
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import urllib.request

import swiftclient

from storage.swift.localswift import AUTH_KEY, AUTH_USER, free_port
from tests.conftest import ROOT
from tests.process_helpers import pids_in_groups, pids_mentioning, script_module
from tests.transfer_helpers import wait_for

STARTED = re.compile(r"devstack: started (\w+) \(pid (\d+)\)")


def _devstack_module():
    return script_module("devstack")


class Devstack:
    def __init__(self, tmp_path, data_dir, ports):
        self.log_path = tmp_path / f"devstack-{len(list(tmp_path.glob('devstack-*.log')))}.log"
        self.web_port, self.swift_port, redis_port = ports
        env = {**os.environ, "DATA_DIR": str(data_dir), "WEB_PORT": str(self.web_port),
               "SWIFT_PORT": str(self.swift_port), "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
               "ADMIN_PASSWORD": "devstack-test-password-1"}
        for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "TRANSFER_CONCURRENCY"):
            env.pop(name, None)  # SQLite in DATA_DIR, the settings of `make run`
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "scripts/devstack.py"], cwd=ROOT, env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def text(self):
        return self.log_path.read_text(errors="replace")

    def wait_announced(self):
        wait_for(lambda: "cloudadmin is running at" in self.text() or self.proc.poll() is not None,
                 timeout=240, interval=0.05, message="the devstack banner")
        assert self.proc.poll() is None, self.text()

    def started(self, name):
        return [int(pid) for child, pid in STARTED.findall(self.text()) if child == name]

    def groups(self):
        return [int(pid) for _child, pid in STARTED.findall(self.text())]

    def stop(self, sig):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        try:
            return self.proc.wait(90)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)


def _swift_takes_a_token(port):
    conn = swiftclient.Connection(authurl=f"http://127.0.0.1:{port}/auth/v1.0", user=AUTH_USER, key=AUTH_KEY,
                                  retries=0)
    try:
        conn.head_account()
        return True
    finally:
        conn.close()


def _swift_answers(port):
    try:
        return _swift_takes_a_token(port)
    except (swiftclient.ClientException, OSError):  # requests' errors are OSErrors
        return False


def _login_page_answers(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10) as response:
        return response.status == 200


def test_a_listening_port_is_not_a_ready_swift(local_swift):
    devstack = _devstack_module()
    with socket.socket() as impostor:
        impostor.bind(("127.0.0.1", 0))
        impostor.listen()
        port = impostor.getsockname()[1]
        assert devstack.listening("127.0.0.1", port)
        assert not devstack.swift_answers(port)
    assert devstack.swift_answers(local_swift.proxy_port)


def test_make_run_supervises_restarts_and_stops_everything(tmp_path):
    data_dir = tmp_path / "var"
    ports = (free_port(), free_port(), free_port())
    stack = Devstack(tmp_path, data_dir, ports)
    try:
        stack.wait_announced()
        # Announced only once Swift takes an authenticated request.
        assert _swift_takes_a_token(stack.swift_port)
        assert "Enable Swift dialog" in stack.text() and "Key      testing" in stack.text()
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE((data_dir / "cloudadmin.sqlite3").stat().st_mode) == 0o600

        # The deployment's two workers: scans and short tasks (prefork), and
        # transfers (threads, TRANSFER_CONCURRENCY of them by default).
        assert len(stack.started("transfers")) == 1
        wait_for(lambda: "concurrency: 8 (thread)" in stack.text() and "concurrency: 2 (prefork)" in stack.text(),
                 message="both workers' banners")

        # A crashed worker is restarted, and the beat and pool it left are stopped.
        [worker] = stack.started("worker")
        wait_for(lambda: len(pids_in_groups([worker])) > 1, message="the worker's beat and pool")
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: len(stack.started("worker")) == 2 or stack.proc.poll() is not None,
                 message="the worker restarted")
        assert f"worker exited with -{signal.SIGKILL}; restarting in 1 s" in stack.text()
        assert pids_in_groups([worker]) == []  # no orphaned beat
        assert stack.proc.poll() is None and _login_page_answers(stack.web_port)

        # A killed Swift takes its servers along (none keeps the ports) and comes back.
        [swift] = stack.started("swift")
        os.kill(swift, signal.SIGKILL)
        wait_for(lambda: len(stack.started("swift")) == 2 or stack.proc.poll() is not None,
                 message="Swift restarted")
        assert f"swift exited with -{signal.SIGKILL}; restarting in 1 s" in stack.text()
        wait_for(lambda: _swift_answers(stack.swift_port), timeout=120, message="the new Swift answering")
        assert stack.proc.poll() is None

        # Swift configured (as Enable Swift does): the next banner leaves its values out.
        subprocess.run([sys.executable, "manage.py", "shell", "-c",
                        "from storage.models import SwiftStore; SwiftStore.objects.create("
                        f"url='http://127.0.0.1:{stack.swift_port}/auth/v1.0', username='{AUTH_USER}', "
                        f"key='{AUTH_KEY}', auth_version='1.0')"],
                       cwd=ROOT, check=True, env={**{k: v for k, v in os.environ.items()
                                                     if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")},
                                                  "DATA_DIR": str(data_dir), "DEBUG": "1"})
    finally:
        assert stack.stop(signal.SIGTERM) == 0, stack.text()
    groups = stack.groups()
    assert len(groups) >= 7  # redis, swift twice, worker twice, transfers, web
    assert pids_in_groups(groups) == [] and pids_mentioning(str(tmp_path)) == []

    again = Devstack(tmp_path, data_dir, ports)
    try:
        again.wait_announced()
        assert "Swift is configured" in again.text() and "Key      testing" not in again.text()
    finally:
        assert again.stop(signal.SIGINT) == 0, again.text()  # Ctrl-C
    assert pids_in_groups(again.groups()) == [] and pids_mentioning(str(tmp_path)) == []
