"""Shared set-up for the transfer engine tests: a zone whose NFS secondary
storage is a folder under NFS_MOUNT_ROOT (the worker resolves it the same
way), and the SwiftStore row for the local Swift."""
import hashlib
import subprocess
import time
import uuid
from pathlib import Path


from storage import demo, localkeystone, nfs, swift
from storage.localswift import AUTH_KEY, AUTH_USER
from storage.models import SecondaryStorage, SwiftStore, Transfer
from zones.models import Zone


def credentials_for(server, *, key=None) -> swift.Credentials:
    """What an admin types into Enable Swift for a local Swift: tempauth's
    user, or (a localkeystone.KeystoneSwift) swiftop on Keystone v3."""
    keystone = getattr(server, "keystone", None)
    if keystone is not None:
        return swift.Credentials(url=keystone.url, username=localkeystone.USERNAME,
                                 key=key or localkeystone.PASSWORD, account=localkeystone.PROJECT,
                                 auth_version="3", domain=localkeystone.DOMAIN)
    return swift.Credentials(url=server.auth_url, username=AUTH_USER, key=key or AUTH_KEY)


def make_swift_store(local_swift, *, key=None) -> SwiftStore:
    """The SwiftStore row of a local Swift (tempauth or behind Keystone);
    `key` stores another (wrong) key."""
    creds = credentials_for(local_swift)
    conn = swift.connect(creds)
    try:
        swift.authenticate(conn)
        caps = swift.capabilities(conn)
    finally:
        conn.close()
    SwiftStore.objects.all().delete()
    return SwiftStore.objects.create(url=creds.url, username=creds.username, key=key or creds.key,
                                     account=creds.account, auth_version=creds.auth_version,
                                     domain=creds.domain if creds.auth_version == "3" else "",
                                     capabilities=caps)


def make_zone(*, seed=True) -> tuple[Zone, Path]:
    """A disabled zone with one secondary storage; returns it and the local
    folder of the share (holding the seed layout when `seed`)."""
    name = f"zone-{uuid.uuid4().hex[:8]}"
    zone = Zone.objects.create(name=name, network_type=Zone.NetworkType.BASIC, dns1="8.8.8.8",
                               internal_dns1="10.0.0.1", hypervisor=Zone.Hypervisor.XENSERVER)
    store = SecondaryStorage.objects.create(zone=zone, server="127.0.0.1", path=f"/export/{name}")
    root = nfs.local_path(store.server, store.path)
    root.mkdir(parents=True, exist_ok=True)
    if seed:
        demo.create_demo_secondary_storage(root)
    return zone, root


def enable_zone(zone, user=None):
    """The zone's Enable action itself (state, event and storage hook in one
    transaction)."""
    from zones import wizard

    wizard.set_allocation(zone.pk, Zone.AllocationState.ENABLED, user=user)
    zone.refresh_from_db()


def add_template(root: Path, template_id: int, data: bytes, *, account=2, checksum=None,
                 filename=None) -> Path:
    """A complete template folder with `data` as its image."""
    folder = root / "template" / "tmpl" / str(account) / str(template_id)
    folder.mkdir(parents=True, exist_ok=True)
    filename = filename or f"{uuid.uuid4()}.qcow2"
    (folder / filename).write_bytes(data)
    md5 = hashlib.md5(data).hexdigest() if checksum is None else checksum
    (folder / "template.properties").write_text(
        f"filename={filename}\nid={template_id}\nuniquename=t{template_id}\nchecksum={md5}\n"
        f"size={len(data)}\nvirtualsize={len(data)}\nqcow2=true\nqcow2.size={len(data)}\nx.custom=kept\n")
    return folder / filename


def wait_for(predicate, timeout=90, interval=0.1, message="condition"):
    """Poll until predicate() is truthy (no timing is asserted: the limit
    only keeps a broken run from hanging)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def wait_transfer(template_id, states=Transfer.TERMINAL_STATES, timeout=90, **filters):
    def ended():
        return Transfer.objects.filter(template_id=template_id, state__in=states, **filters).order_by("-id").first()
    return wait_for(ended, timeout=timeout, message=f"transfer of T-{template_id} in {states}")


def swift_cli(local_swift, *args, cwd=None) -> str:
    """Run the `swift` command-line client as a user would."""
    from tests.conftest import ROOT

    binary = ROOT / ".venv" / "bin" / "swift"
    creds = credentials_for(local_swift)
    if creds.auth_version == "3":
        auth = ["--auth-version", "3", "--os-auth-url", creds.url, "--os-username", creds.username,
                "--os-password", creds.key, "--os-project-name", creds.account,
                "--os-user-domain-name", creds.domain, "--os-project-domain-name", creds.domain]
    else:
        auth = ["-A", creds.url, "-U", AUTH_USER, "-K", creds.key]
    return subprocess.run([str(binary), *auth, *args],
                          check=True, capture_output=True, text=True, cwd=cwd, timeout=120).stdout
