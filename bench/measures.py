"""What the benches measure with: sizes, template files, the CPU and peak
RSS of a process tree or a command, and the requests a local Swift answers."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

MIB = 1024 * 1024


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([KMG]i?B?)?", text.strip(), re.IGNORECASE)
    if not match:
        raise ValueError(f"not a size: {text}")
    unit = (match.group(2) or "").upper()[:1]
    return int(match.group(1)) * {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[unit]


class SwiftRequests:
    """Counts the client requests a local Swift's proxy answers, from its
    access log on a UDP port (pass `port` as LocalSwift's access_log_port)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.lines: list[str] = []
        threading.Thread(target=self.receive, daemon=True).start()

    def receive(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return  # closed
            self.lines.append(data.decode(errors="replace").rstrip("\x00\n"))

    def client_requests(self, since: int = 0) -> list[tuple[str, str]]:
        """(method, status) of the client requests logged after line `since`
        (subrequests of Swift's middlewares, such as SLO's, left out)."""
        found = []
        for line in self.lines[since:]:  # "<134>proxy-server: PUT /v1/... 201 - (txn: ...)"
            match = re.search(r": (\S+) \S+ (\d+) (\S+)", line)
            if match and match.group(3) == "-":
                found.append((match.group(1), match.group(2)))
        return found

    def close(self) -> None:
        self.sock.close()


def write_template(root: Path, template_id: int, size: int, *, account: int = 2) -> Path:
    """A complete template folder of `size` bytes (no two MiB alike, written
    without holding the file in memory); returns the image's path."""
    folder = root / "template" / "tmpl" / str(account) / str(template_id)
    folder.mkdir(parents=True, exist_ok=True)
    image = folder / f"{uuid.uuid4()}.qcow2"
    block, md5, left, index = os.urandom(MIB), hashlib.md5(), size, 0
    with open(image, "wb") as out:
        while left:
            data = (block[:-16] + template_id.to_bytes(8, "big") + index.to_bytes(8, "big"))[:left]
            out.write(data)
            md5.update(data)
            left, index = left - len(data), index + 1
    (folder / "template.properties").write_text(
        f"filename={image.name}\nid={template_id}\nuniquename=t{template_id}\nchecksum={md5.hexdigest()}\n"
        f"size={size}\nvirtualsize={size}\nqcow2=true\nqcow2.size={size}\n")
    return image


class TreeMeter:
    """CPU seconds and peak RSS (summed over the tree, sampled every 50 ms)
    of some processes and their descendants, between begin() and end(); with
    `pss`, the peak PSS too, which counts the pages prefork children share
    once instead of once per process. PSS is read every PSS_SAMPLES samples
    (0.25 s): reading smaps costs CPU (0.31-0.35 s per 10 s round at every
    0.5 s, measured), so throughput.py reads it in an untimed run only.
    The tree is listed again every TREE_SAMPLES samples, not at each: psutil
    reads every process of the machine to find children, and the meter
    shares the cores with what it measures."""

    TREE_SAMPLES = 20
    PSS_SAMPLES = 5

    def __init__(self, pids: list[int], *, pss: bool = False):
        import psutil

        self.roots = [psutil.Process(pid) for pid in pids]
        self.peak, self.running, self.thread, self.cpu_start = 0, False, None, 0.0
        self.pss, self.peak_pss = pss, 0
        self.listed: list = []

    def tree(self) -> list:
        procs = []
        for root in self.roots:
            with contextlib.suppress(Exception):
                procs += [root, *root.children(recursive=True)]
        self.listed = procs
        return procs

    def cpu(self) -> float:
        total = 0.0
        for proc in self.tree():
            with contextlib.suppress(Exception):  # a process may just have ended
                times = proc.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
        return total

    def rss(self, procs: list | None = None) -> int:
        total = 0
        for proc in self.tree() if procs is None else procs:
            with contextlib.suppress(Exception):
                total += proc.memory_info().rss
        return total

    def pss_total(self, procs: list | None = None) -> int:
        total = 0
        for proc in self.tree() if procs is None else procs:
            with contextlib.suppress(Exception):
                total += proc.memory_full_info().pss
        return total

    def sample(self) -> None:
        count = 0
        while self.running:
            procs = self.tree() if count % self.TREE_SAMPLES == 0 else self.listed
            self.peak = max(self.peak, self.rss(procs))
            if self.pss and count % self.PSS_SAMPLES == 0:
                self.peak_pss = max(self.peak_pss, self.pss_total(procs))
            count += 1
            time.sleep(0.05)

    def begin(self) -> None:
        self.peak, self.peak_pss, self.running, self.cpu_start = self.rss(), 0, True, self.cpu()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def stop_sampling(self) -> int:
        """The peak RSS in bytes since begin()."""
        self.running = False
        self.thread.join()
        return self.peak

    def end(self) -> tuple[float, int]:
        """(CPU seconds since begin(), peak RSS in bytes)."""
        peak = self.stop_sampling()
        return self.cpu() - self.cpu_start, peak


def run_measured(argv: list[str], **kwargs) -> tuple[float, float, int]:
    """Run a command to its end: (seconds, CPU seconds, peak RSS bytes). CPU
    from wait4's rusage (the command and the children it waited for); RSS
    sampled, since ru_maxrss keeps the bench's own from before the exec."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)
    meter = TreeMeter([proc.pid])
    meter.begin()
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    peak = meter.stop_sampling()
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    if proc.returncode:
        raise SystemExit(f"bench: {shlex.join(argv)} failed ({proc.returncode}):\n{output.decode()[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, peak
