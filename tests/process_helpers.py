"""Finding the processes a test started, through /proc (Linux): by a text in
their command line, or by their process group."""
import importlib.util
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _processes():
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # it ended meanwhile
            # The fields after the command name "(...)": state, ppid, pgrp, ...
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] == "Z":
                continue  # a zombie is gone already, its parent has not reaped it yet
            yield int(entry.name), int(fields[2]), cmdline


def pids_mentioning(text: str) -> list[int]:
    return [pid for pid, _group, cmdline in _processes() if text in cmdline and pid != os.getpid()]


def pids_in_groups(groups) -> list[int]:
    groups = set(groups)
    return [pid for pid, group, _cmdline in _processes() if group in groups]


def dies_with_parent(argv: list[str]) -> list[str]:
    """`argv` run under util-linux's setpriv, which sets PR_SET_PDEATHSIG
    (SIGTERM) and execs: a pytest killed by a signal leaves no worker or
    server behind. The signal follows the *thread* that started the child:
    start it from the main thread, not from a thread that ends first."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--", *argv] if setpriv else list(argv)


def script_module(name: str):
    """scripts/<name>.py as a module (scripts/ is no package: the Dockerfile
    and compose run its files directly)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
