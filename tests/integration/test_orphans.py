"""A test run killed by a signal leaves no worker or server behind: the
fixtures start their processes through process_helpers.dies_with_parent."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PARENT = """
import subprocess, sys, time
sys.path.insert(0, {root!r})
from tests.process_helpers import dies_with_parent
argv = ["sleep", "600"]
child = subprocess.Popen(dies_with_parent(argv) if {guarded} else argv, start_new_session=True)
open({pidfile!r}, "w").write(str(child.pid))
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _orphan_after_parent_killed(tmp_path, guarded: bool, wait: float) -> tuple[int, bool]:
    pidfile = tmp_path / f"child-{guarded}.pid"
    parent = subprocess.Popen([sys.executable, "-c", PARENT.format(root=str(ROOT), guarded=guarded,
                                                                 pidfile=str(pidfile))])
    deadline = time.monotonic() + 30
    while not (pidfile.exists() and pidfile.read_text()):
        assert time.monotonic() < deadline and parent.poll() is None, "the parent did not start its child"
        time.sleep(0.05)
    child = int(pidfile.read_text())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + wait
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    return child, _alive(child)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="Linux only")
def test_a_child_started_through_dies_with_parent_ends_with_its_parent(tmp_path):
    _child, alive = _orphan_after_parent_killed(tmp_path, guarded=True, wait=10)
    assert not alive


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="Linux only")
def test_without_it_the_child_outlives_its_parent(tmp_path):
    """The control: what the fixtures did before."""
    child, alive = _orphan_after_parent_killed(tmp_path, guarded=False, wait=1)
    try:
        assert alive
    finally:
        os.kill(child, signal.SIGKILL)
