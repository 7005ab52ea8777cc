"""A zone whose NFS secondary storage is a folder under NFS_MOUNT_ROOT (a
worker resolves it the same way), templates in it, and the SwiftStore row
for the local Swift: for the transfer tests and bench/load.py."""
import hashlib
import uuid
from pathlib import Path

from storage.models import SecondaryStorage, SwiftStore
from storage.secondary import demo, nfs
from storage.swift import client as swift
from storage.swift import localkeystone
from storage.swift.localswift import AUTH_KEY, AUTH_USER
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
