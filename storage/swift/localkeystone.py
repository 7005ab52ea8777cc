"""A real OpenStack Keystone on loopback, and the local Swift behind it.

Keystone comes from PyPI into its own virtualenv (`.venv-keystone`, built by
scripts/keystone-venv.sh: its dependency tree clashes with the app's pins)
and runs under gunicorn with the SQL backend on SQLite in its folder, fernet
tokens. `start()` bootstraps it (admin, region RegionOne, the identity
endpoint) and provisions what the Swift side needs:

- project `cloud` with user `swiftop` holding `swiftoperator`, one of the
  proxy's `operator_roles` (Swift's keystoneauth docs: admin, swiftoperator);
- user `swiftreader` with only `reader` on `cloud`: it authenticates, but
  Swift refuses it containers (403);
- project `service` with user `swift` (roles admin and service), as which
  the proxy's authtoken middleware validates tokens;
- service `swift` of type object-store with a public endpoint
  `http://127.0.0.1:<swift port>/v1/AUTH_%(project_id)s` per region.

`KeystoneSwift` is a LocalSwift whose proxy has authtoken (keystonemiddleware,
from the main venv) and keystoneauth instead of tempauth. Free of Django
imports, like localswift.
"""
from __future__ import annotations

import getpass
import grp
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .localswift import LocalSwift, free_port

ROOT = Path(__file__).resolve().parents[2]  # the project: storage/swift/ is two below
VENV = Path(os.environ.get("KEYSTONE_VENV", ROOT / ".venv-keystone"))
BOOTSTRAP_CACHE = VENV / "bootstrapped"  # scripts/keystone-venv.sh removes it on a rebuild

ADMIN_PASSWORD = "keystone-admin"
PROJECT = "cloud"
USERNAME = "swiftop"
PASSWORD = "swiftop-pass"
READER_USERNAME = "swiftreader"
READER_PASSWORD = "reader-pass"
DOMAIN = "Default"
REGION = "RegionOne"
OPERATOR_ROLE = "swiftoperator"
SERVICE_USER = "swift"
SERVICE_PASSWORD = "swift-service-pass"


def _json_request(url: str, *, method: str = "GET", token: str | None = None, body=None, timeout=5.0):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-Auth-Token"] = token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read()
        return response.headers, (json.loads(text) if text else {})


@dataclass
class LocalKeystone:
    """Config, database and the gunicorn process of one local Keystone."""

    root: Path
    port: int = 5000
    token_expiration: int = 3600  # seconds; tests use 60 to see tokens expire
    regions: tuple[str, ...] = (REGION,)
    process: subprocess.Popen | None = None
    _admin_token: str = field(default="", repr=False)

    @property
    def url(self) -> str:
        """The v3 identity URL an admin types into Enable Swift."""
        return f"http://127.0.0.1:{self.port}/v3"

    @property
    def conf_path(self) -> Path:
        return self.root / "keystone.conf"

    def _env(self) -> dict:
        return {**os.environ, "OS_KEYSTONE_CONFIG_FILES": str(self.conf_path)}

    def write_config(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(
            "[DEFAULT]\n"
            f"log_file = {self.root / 'keystone.log'}\n"
            "[database]\n"
            f"connection = sqlite:///{self.root / 'keystone.sqlite'}\n"
            "[token]\nprovider = fernet\n"
            f"expiration = {self.token_expiration}\n"
            "[fernet_tokens]\n"
            f"key_repository = {self.root / 'fernet-keys'}\n"
            "[fernet_receipts]\n"
            f"key_repository = {self.root / 'fernet-keys'}\n"
            "[credential]\n"
            f"key_repository = {self.root / 'credential-keys'}\n"
            "[cache]\nenabled = false\n"
            # bcrypt's fewest rounds: a throw-away Keystone, and every password
            # check would cost a second otherwise.
            "[identity]\npassword_hash_rounds = 4\n"
        )
        # Keystone's config parser reads sys.argv, which under gunicorn holds
        # gunicorn's own options: hand it an empty command line.
        (self.root / "keystone_app.py").write_text(
            "import sys\nsys.argv = sys.argv[:1]\nfrom keystone.wsgi.api import application  # noqa: E402,F401\n")

    def _manage(self, *args: str) -> None:
        binary = VENV / "bin" / "keystone-manage"
        if not binary.exists():
            raise RuntimeError(f"{binary} is missing: run scripts/keystone-venv.sh")
        result = subprocess.run([str(binary), "--config-file", str(self.conf_path), *args],
                                env=self._env(), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"keystone-manage {args[0]} failed: {result.stderr[-2000:]}")

    def bootstrap(self) -> None:
        """Database, fernet keys, admin and the identity endpoint; once per
        folder. The first bootstrap is kept in the venv (BOOTSTRAP_CACHE) and
        copied into later folders: keystone-manage costs seconds per call."""
        self.write_config()
        marker = self.root / ".bootstrapped"
        if marker.exists():
            return
        if (BOOTSTRAP_CACHE / ".done").exists():
            shutil.copy2(BOOTSTRAP_CACHE / "keystone.sqlite", self.root / "keystone.sqlite")
            for keys in ("fernet-keys", "credential-keys"):
                shutil.copytree(BOOTSTRAP_CACHE / keys, self.root / keys, dirs_exist_ok=True)
            marker.touch()
            return
        user, group = getpass.getuser(), grp.getgrgid(os.getgid()).gr_name
        self._manage("db_sync")
        self._manage("fernet_setup", "--keystone-user", user, "--keystone-group", group)
        self._manage("credential_setup", "--keystone-user", user, "--keystone-group", group)
        self._manage("bootstrap", "--bootstrap-password", ADMIN_PASSWORD,
                     "--bootstrap-region-id", REGION,
                     "--bootstrap-admin-url", self.url, "--bootstrap-public-url", self.url,
                     "--bootstrap-internal-url", self.url)
        marker.touch()
        staging = Path(tempfile.mkdtemp(prefix=".bootstrapped-", dir=VENV))
        shutil.copy2(self.root / "keystone.sqlite", staging / "keystone.sqlite")
        for keys in ("fernet-keys", "credential-keys"):
            shutil.copytree(self.root / keys, staging / keys)
        (staging / ".done").touch()
        try:
            staging.rename(BOOTSTRAP_CACHE)
        except OSError:  # another process cached one first
            shutil.rmtree(staging, ignore_errors=True)

    def start(self, timeout: float = 60.0) -> "LocalKeystone":
        self.bootstrap()
        log = open(self.root / "gunicorn.log", "ab")
        # setpriv: SIGTERM when the starting thread dies (a killed test run or
        # runswift), so that no Keystone is left holding the port.
        setpriv = [shutil.which("setpriv"), "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
        self.process = subprocess.Popen(
            [*setpriv, str(VENV / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--threads", "4", "--timeout", "120", "--chdir", str(self.root), "keystone_app:application"],
            env=self._env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.root)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"keystone exited with {self.process.returncode}; "
                                   f"see {self.root / 'gunicorn.log'}")
            try:
                _json_request(self.url, timeout=2)
                return self
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"keystone did not answer; see {self.root / 'gunicorn.log'}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None

    # -- the identity API, as admin --------------------------------------------
    def password_auth(self, username: str, password: str, project: str | None = PROJECT) -> tuple[str, dict]:
        """(token, token body) for a user of the Default domain."""
        auth = {"identity": {"methods": ["password"], "password": {"user": {
            "name": username, "domain": {"name": DOMAIN}, "password": password}}}}
        if project:
            auth["scope"] = {"project": {"name": project, "domain": {"name": DOMAIN}}}
        headers, body = _json_request(f"{self.url}/auth/tokens", method="POST", body={"auth": auth})
        return headers["X-Subject-Token"], body["token"]

    def admin(self, method: str, path: str, body=None) -> dict:
        """An admin call. The cached token expires like any other (the tests'
        Keystone issues 60 s tokens): on a 401, log in again once."""
        try:
            return self._admin_call(method, path, body)
        except urllib.error.HTTPError as exc:
            if exc.code != 401:
                raise
            self._admin_token = ""
            return self._admin_call(method, path, body)

    def _admin_call(self, method: str, path: str, body) -> dict:
        if not self._admin_token:
            self._admin_token, _ = self.password_auth("admin", ADMIN_PASSWORD, "admin")
        return _json_request(f"{self.url}{path}", method=method, token=self._admin_token, body=body)[1]

    def _find_or_create(self, kind: str, name: str, body: dict, query: str = "") -> str:
        found = self.admin("GET", f"/{kind}s?name={name}{query}")[f"{kind}s"]
        if found:
            return found[0]["id"]
        return self.admin("POST", f"/{kind}s", {kind: {"name": name, **body}})[kind]["id"]

    def _grant(self, project_id: str, user_id: str, role_id: str) -> None:
        self.admin("PUT", f"/projects/{project_id}/users/{user_id}/roles/{role_id}")

    def provision(self, object_store_url: str) -> None:
        """Projects, users, roles and the object-store endpoints (idempotent)."""
        domain = "default"
        roles = {name: self._find_or_create("role", name, {})
                 for name in (OPERATOR_ROLE, "admin", "service", "reader")}
        projects = {name: self._find_or_create("project", name, {"domain_id": domain})
                    for name in (PROJECT, "service")}
        users = {name: self._find_or_create("user", name, {"domain_id": domain, "password": password})
                 for name, password in ((USERNAME, PASSWORD), (READER_USERNAME, READER_PASSWORD),
                                        (SERVICE_USER, SERVICE_PASSWORD))}
        self._grant(projects[PROJECT], users[USERNAME], roles[OPERATOR_ROLE])
        self._grant(projects[PROJECT], users[READER_USERNAME], roles["reader"])
        for role in ("admin", "service"):
            self._grant(projects["service"], users[SERVICE_USER], roles[role])
        # A bootstrap copied from the cache names another port: authtoken finds
        # Keystone through this catalog.
        identity = self._find_or_create("service", "keystone", {"type": "identity"})
        for endpoint in self.admin("GET", f"/endpoints?service_id={identity}")["endpoints"]:
            if endpoint["url"] != self.url:
                self.admin("PATCH", f"/endpoints/{endpoint['id']}", {"endpoint": {"url": self.url}})
        service = self._find_or_create("service", "swift", {"type": "object-store"})
        existing = self.admin("GET", f"/endpoints?service_id={service}")["endpoints"]
        for endpoint in existing:
            self.admin("DELETE", f"/endpoints/{endpoint['id']}")
        known = {region["id"] for region in self.admin("GET", "/regions")["regions"]}
        for region in self.regions:
            if region not in known:
                self.admin("POST", "/regions", {"region": {"id": region}})
            self.admin("POST", "/endpoints", {"endpoint": {
                "service_id": service, "interface": "public", "region_id": region, "url": object_store_url}})

    def add_object_store_region(self, region: str, url: str) -> str:
        """One more object-store endpoint, in `region`; returns its id."""
        if region not in {r["id"] for r in self.admin("GET", "/regions")["regions"]}:
            self.admin("POST", "/regions", {"region": {"id": region}})
        service = self._find_or_create("service", "swift", {"type": "object-store"})
        return self.admin("POST", "/endpoints", {"endpoint": {
            "service_id": service, "interface": "public", "region_id": region, "url": url}})["endpoint"]["id"]

    def remove_object_store(self) -> list[dict]:
        """Delete the object-store endpoints (tests of a catalog without
        them); returns them for restore_object_store()."""
        service = self._find_or_create("service", "swift", {"type": "object-store"})
        endpoints = self.admin("GET", f"/endpoints?service_id={service}")["endpoints"]
        for endpoint in endpoints:
            self.admin("DELETE", f"/endpoints/{endpoint['id']}")
        return endpoints

    def restore_object_store(self, endpoints: list[dict]) -> None:
        for endpoint in endpoints:
            self.admin("POST", "/endpoints", {"endpoint": {key: endpoint[key] for key in (
                "service_id", "interface", "region_id", "url")}})


@dataclass
class KeystoneSwift(LocalSwift):
    """The local Swift with authtoken + keystoneauth in place of tempauth."""

    keystone: LocalKeystone | None = None
    probe_timeout: float = 15.0

    @property
    def auth_url(self) -> str:
        return self.keystone.url

    def auth_pipeline(self) -> tuple[str, str]:
        memcache = self.memcache
        auth = self.keystone.url
        return "authtoken keystoneauth", (
            "[filter:authtoken]\n"
            "paste.filter_factory = keystonemiddleware.auth_token:filter_factory\n"
            f"www_authenticate_uri = {auth}\nauth_url = {auth}\n"
            "auth_type = password\nuser_domain_id = default\nproject_domain_id = default\n"
            f"project_name = service\nusername = {SERVICE_USER}\npassword = {SERVICE_PASSWORD}\n"
            "delay_auth_decision = True\ncache = swift.cache\ninclude_service_catalog = False\n"
            f"memcached_servers = {memcache}\n\n"
            "[filter:keystoneauth]\nuse = egg:swift#keystoneauth\nreseller_prefix = AUTH\n"
            f"operator_roles = admin, {OPERATOR_ROLE}\nreseller_admin_role = ResellerAdmin\n\n"
        )

    def authenticate(self) -> tuple[str, str]:
        """(storage_url, token) of swiftop, from Keystone's catalog."""
        token, body = self.keystone.password_auth(USERNAME, PASSWORD)
        for service in body.get("catalog", []):
            if service["type"] == "object-store":
                for endpoint in service["endpoints"]:
                    if endpoint["interface"] == "public":
                        return endpoint["url"], token
        raise OSError("no object-store endpoint in the catalog yet")


def start_pair(root: Path, *, keystone_port: int | None = None, swift_port: int | None = None,
               token_expiration: int = 3600, regions: tuple[str, ...] = (REGION,),
               **swift_kwargs) -> tuple[LocalKeystone, KeystoneSwift]:
    """Start a Keystone, provision it, then the Swift behind it."""
    keystone = LocalKeystone(root=root / "keystone", port=keystone_port or free_port(),
                             token_expiration=token_expiration, regions=regions).start()
    try:
        swift = KeystoneSwift(root=root / "swift", proxy_port=swift_port or free_port(),
                              keystone=keystone, **swift_kwargs)
        keystone.provision(f"http://127.0.0.1:{swift.proxy_port}/v1/AUTH_%(project_id)s")
        swift.start()
    except BaseException:
        keystone.stop()
        raise
    return keystone, swift


def temporary(**kwargs) -> tuple[LocalKeystone, KeystoneSwift]:
    """A Keystone and its Swift on free ports in a fresh temporary folder."""
    return start_pair(Path(tempfile.mkdtemp(prefix="localkeystone-")), **kwargs)
