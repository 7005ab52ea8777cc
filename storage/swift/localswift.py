"""A real OpenStack Swift on loopback, like Swift's "all in one" (SAIO).

Runs the proxy, account, container and object servers from the installed
``swift`` package, each in one process (``workers = 0``), with tempauth
(``test:tester`` / ``testing``) and the slo/dlo middlewares. tempauth keeps
tokens in memcached, so a private memcached is started unless one is given.
With ``replicas`` N > 1, objects are stored N times by N object servers, each
on a device of its own (``object``, ``object-2``, ...): one may stop and
Swift's write quorum (a majority) still accepts every upload.

Used by ``manage.py runswift`` (make run), the pytest fixture and the benches.
Deliberately free of Django imports so that tests and benches can use it alone.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

AUTH_USER = "test:tester"
AUTH_KEY = "testing"
# A user of the same account without .admin: it may authenticate but not
# create containers (tempauth answers 403), like a read-only operator account.
READER_USER = "test:reader"
READER_KEY = "reader"
SERVER_KINDS = ("account", "container", "object")


def _kind(server: str) -> str:
    """"object-2" -> "object": the Swift server a process runs."""
    return server.split("-", 1)[0]


def _die_with_parent() -> None:
    """Ask for SIGKILL when the process that started this one dies (runswift
    killed), so that no server is left holding the ports. Run first thing in
    the new process (``__main__`` below), not as a Popen preexec_fn, which is
    unsafe in a process with threads (the tests')."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class LocalSwift:
    """Config, rings and processes of one local Swift. ``start()``/``stop()``."""

    root: Path
    proxy_port: int = 8080
    max_file_size: int = 5 * 1024**3 + 2  # Swift's own default
    memcache: str | None = None  # "host:port" of an existing memcached
    replicas: int = 1  # object replicas, each on its own object server and device
    backend_ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    probe_timeout: float = 2.0  # seconds per readiness request (Keystone's first check is slower)
    tempurl: bool = True  # False: a Swift without TempURLs (Download then streams through the app)
    # A UDP port on 127.0.0.1 that receives the proxy's access log, a line per
    # request "METHOD PATH STATUS SOURCE" (SOURCE "-" for a client's):
    # bench/throughput.py counts the requests of each contender with it.
    access_log_port: int | None = None
    remove_root: bool = False  # stop() deletes root too (temporary(): nobody else knows the folder)

    @property
    def auth_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}/auth/v1.0"

    @property
    def info_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}/info"

    @property
    def conf_dir(self) -> Path:
        return self.root / "etc"

    @property
    def object_servers(self) -> list[str]:
        return ["object", *(f"object-{n}" for n in range(2, self.replicas + 1))]

    @property
    def backend_servers(self) -> list[str]:
        return ["account", "container", *self.object_servers]

    def _device(self, server: str) -> tuple[Path, str]:
        """(devices folder, device name) of a backend server: the first
        object server shares srv/d1 with account and container, as before."""
        number = int(server.rsplit("-", 1)[1]) if server.startswith("object-") else 1
        return (self.root / "srv", "d1") if number == 1 else (self.root / f"srv-{number}", f"d{number}")

    # -- configuration -----------------------------------------------------
    def write_config(self) -> None:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        (self.root / "run").mkdir(parents=True, exist_ok=True)
        for server in self.backend_servers:
            devices, device = self._device(server)
            (devices / device).mkdir(parents=True, exist_ok=True)
            self.backend_ports.setdefault(server, free_port())
        if self.memcache is None:
            self.memcache = f"127.0.0.1:{free_port()}"

        (self.conf_dir / "swift.conf").write_text(
            "[swift-hash]\n"
            "swift_hash_path_prefix = cloudadmin\n"
            "swift_hash_path_suffix = localswift\n\n"
            "[storage-policy:0]\nname = Policy-0\ndefault = yes\n\n"
            "[swift-constraints]\n"
            f"max_file_size = {self.max_file_size}\n"
        )
        common = (
            "[DEFAULT]\n"
            "bind_ip = 127.0.0.1\n"
            "bind_port = {port}\n"
            "workers = 0\n"
            f"swift_dir = {self.conf_dir}\n"
            "devices = {devices}\n"
            "mount_check = false\n"
            "disable_fallocate = true\n"
            "log_name = {kind}-server\n"
            "log_level = WARNING\n"
        )
        for server in self.backend_servers:
            kind = _kind(server)
            (self.conf_dir / f"{server}-server.conf").write_text(
                common.format(port=self.backend_ports[server], kind=server, devices=self._device(server)[0])
                + f"\n[pipeline:main]\npipeline = {kind}-server\n\n"
                f"[app:{kind}-server]\nuse = egg:swift#{kind}\n"
            )
        auth_filters, auth_sections = self.auth_pipeline()
        (self.conf_dir / "proxy-server.conf").write_text(
            common.format(port=self.proxy_port, kind="proxy", devices=self.root / "srv")
            + "\n[pipeline:main]\n"
            "pipeline = catch_errors gatekeeper healthcheck proxy-logging cache "
            f"listing_formats bulk {'tempurl ' if self.tempurl else ''}{auth_filters} copy slo dlo proxy-logging proxy-server\n\n"
            "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n"
            "allow_account_management = true\n\n"
            + auth_sections +
            f"[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = {self.memcache}\n\n"
            "[filter:catch_errors]\nuse = egg:swift#catch_errors\n\n"
            "[filter:gatekeeper]\nuse = egg:swift#gatekeeper\n\n"
            "[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n"
            "[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n" + self.access_log_options() + "\n"
            "[filter:listing_formats]\nuse = egg:swift#listing_formats\n\n"
            "[filter:bulk]\nuse = egg:swift#bulk\n\n"
            # Download links (extractTemplate): before auth, as Swift's docs place it.
            "[filter:tempurl]\nuse = egg:swift#tempurl\n\n"
            "[filter:copy]\nuse = egg:swift#copy\n\n"
            "[filter:slo]\nuse = egg:swift#slo\n\n"
            "[filter:dlo]\nuse = egg:swift#dlo\n"
        )
        self._build_rings()

    def access_log_options(self) -> str:
        if self.access_log_port is None:
            return ""  # the default: syslog, which a container may lack
        return ("access_log_level = INFO\naccess_log_udp_host = 127.0.0.1\n"
                f"access_log_udp_port = {self.access_log_port}\n"
                "log_msg_template = {method} {path} {status_int} {source}\n")

    def auth_pipeline(self) -> tuple[str, str]:
        """(the auth filters of the proxy pipeline, their config sections);
        localkeystone.KeystoneSwift puts Keystone's in their place."""
        return "tempauth", (
            "[filter:tempauth]\nuse = egg:swift#tempauth\n"
            "user_admin_admin = admin .admin .reseller_admin\n"
            "user_test_tester = testing .admin\n"
            "user_test_reader = reader\n\n")

    def _build_rings(self) -> None:
        # Swift's server code, loaded only by the processes that run the local Swift.
        from swift.common.ring import RingBuilder

        for kind in SERVER_KINDS:
            servers = self.object_servers if kind == "object" else [kind]
            builder = RingBuilder(10, len(servers), 1)  # 2^10 partitions, a replica per server
            for number, server in enumerate(servers):
                builder.add_dev({
                    "id": number, "region": 1, "zone": number + 1, "ip": "127.0.0.1",
                    "port": self.backend_ports[server], "device": self._device(server)[1],
                    "weight": 100, "meta": "",
                })
            builder.rebalance()
            builder.get_ring().save(str(self.conf_dir / f"{kind}.ring.gz"))

    # -- processes -----------------------------------------------------------
    def start(self, timeout: float = 30.0) -> "LocalSwift":
        if _port_open(self.proxy_port):
            raise RuntimeError(f"port {self.proxy_port} is already in use")
        self.write_config()
        if not self._memcache_reachable():
            self._start_memcached()
        for server in (*self.backend_servers, "proxy"):
            self._start_server(server)
        self._wait_ready(timeout)
        return self

    def _memcache_reachable(self) -> bool:
        host, port = self.memcache.rsplit(":", 1)
        with socket.socket() as sock:
            sock.settimeout(0.2)
            return sock.connect_ex((host, int(port))) == 0

    def _start_memcached(self) -> None:
        binary = shutil.which("memcached")
        if binary is None:
            raise RuntimeError(
                "memcached is not installed; tempauth needs it: "
                "sudo apt-get install -y memcached"
            )
        host, port = self.memcache.rsplit(":", 1)
        args = [binary, "-l", host, "-p", port, "-U", "0", "-m", "32"]
        if os.geteuid() == 0:
            args += ["-u", "root"]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        self.processes["memcached"] = subprocess.Popen(
            [sys.executable, "-m", "storage.swift.localswift", "exec", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env,
        )

    def _start_server(self, server: str) -> None:
        log = open(self.root / "run" / f"{server}.log", "ab")
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        self.processes[server] = subprocess.Popen(
            [sys.executable, "-m", "storage.swift.localswift", f"{_kind(server)}-server",
             str(self.conf_dir / f"{server}-server.conf")],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env,
        )

    def start_proxy(self, timeout: float = 30.0) -> None:
        """Restart only the proxy (fault tests kill it mid-transfer)."""
        self._start_server("proxy")
        self._wait_ready(timeout)

    def kill_proxy(self) -> None:
        self.kill_server("proxy")

    def kill_server(self, server: str) -> None:
        """SIGKILL one server ("proxy", "object-2", ...), as a crash would."""
        proc = self.processes.pop(server, None)
        if proc is not None:
            proc.kill()
            proc.wait(10)

    def restart_server(self, server: str) -> None:
        """Start a server again after it exited (runswift's supervision)."""
        self.processes.pop(server, None)
        if server == "memcached":
            self._start_memcached()
        else:
            self._start_server(server)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"swift {name} exited with {proc.returncode}; "
                        f"see {self.root / 'run' / (name + '.log')}"
                    )
            try:
                # Auth alone proves only the proxy; a container write needs the
                # account and container servers too, so wait for every port and
                # for a real round trip through them.
                if not all(_port_open(port) for port in self.backend_ports.values()):
                    raise OSError("backend servers not listening yet")
                self._probe_write()
                return
            except (OSError, urllib.error.URLError) as exc:
                last_error = exc
                time.sleep(0.1)
        self.stop(keep_files=True)  # its logs say why
        raise RuntimeError(f"local Swift did not become ready: {last_error}")

    def _probe_write(self) -> None:
        """PUT then DELETE a container: raises until the whole path works."""
        storage_url, token = self.authenticate()
        for method in ("PUT", "DELETE"):
            request = urllib.request.Request(f"{storage_url}/localswift-ready", method=method,
                                             headers={"X-Auth-Token": token})
            with urllib.request.urlopen(request, timeout=self.probe_timeout):
                pass

    def authenticate(self) -> tuple[str, str]:
        """(storage_url, token) from tempauth; raises until the proxy is up."""
        request = urllib.request.Request(
            self.auth_url, headers={"X-Auth-User": AUTH_USER, "X-Auth-Key": AUTH_KEY}
        )
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.headers["X-Storage-Url"], response.headers["X-Auth-Token"]

    def stop(self, *, keep_files: bool = False) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in list(self.processes.items()):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            del self.processes[name]
        if self.remove_root and not keep_files:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "LocalSwift":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def temporary(**kwargs) -> LocalSwift:
    """A LocalSwift on free ports in a fresh temporary folder, removed by stop()."""
    root = Path(tempfile.mkdtemp(prefix="localswift-"))
    kwargs.setdefault("proxy_port", free_port())
    kwargs.setdefault("remove_root", True)
    return LocalSwift(root=root, **kwargs)


def serve(app_section: str, conf_path: str) -> int:
    """Run one Swift server with swift.conf taken from its ``swift_dir``.

    Swift reads its constraints (``max_file_size``) from /etc/swift/swift.conf
    at import time, before ``swift_dir`` applies; point it at ours first so
    that nothing is written outside the local Swift's own folder.
    """
    # Swift's server code: only the server processes load it, in this order.
    from swift.common import utils

    utils.SWIFT_CONF_FILE = str(Path(conf_path).parent / "swift.conf")
    # Only now: constraints reads swift.conf when imported.
    from swift.common import constraints
    from swift.common.wsgi import run_wsgi

    constraints.reload_constraints()
    return run_wsgi(conf_path, app_section)


if __name__ == "__main__":
    _die_with_parent()
    if sys.argv[1] == "exec":  # memcached: the death signal survives exec
        os.execv(sys.argv[2], sys.argv[2:])
    sys.exit(serve(sys.argv[1], sys.argv[2]))
