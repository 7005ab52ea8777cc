"""The seed's NFS secondary storage, generated: two templates in CloudStack's
layout plus an unfinished download that must never reach Swift.

    template/tmpl/1/1/8b382a50-e4a2-45d8-887d-70aaecd822fd.vhd  template.properties
    template/tmpl/1/5/d5a259e7-9d77-3580-97db-74ce5fcf5b99.vhd  dnld4447498382030525902tmp_  template.properties
"""
import hashlib
import os
from pathlib import Path

SEED_TEMPLATES = (
    # (account, template id, image uuid, unique name, image size)
    (1, 1, "8b382a50-e4a2-45d8-887d-70aaecd822fd", "routing-1", 3 * 1024 * 1024 + 17),
    (1, 5, "d5a259e7-9d77-3580-97db-74ce5fcf5b99", "centos53-x64", 2 * 1024 * 1024 + 5),
)
UNFINISHED_DOWNLOAD = (1, 5, "dnld4447498382030525902tmp_")


def image_bytes(template_id: int, size: int) -> bytes:
    """Deterministic, incompressible-looking content for a demo image."""
    out = bytearray()
    block = hashlib.sha256(f"template-{template_id}".encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def properties_text(template_id, uuid, uniquename, data: bytes) -> str:
    filename = f"{uuid}.vhd"
    return "\n".join([
        f"filename={filename}",
        f"id={template_id}",
        f"uniquename={uniquename}",
        f"description={uniquename}",
        f"checksum={hashlib.md5(data).hexdigest()}",
        "hvm=true",
        "public=true",
        f"size={len(data)}",
        f"virtualsize={len(data)}",
        "vhd=true",
        f"vhd.size={len(data)}",
        f"vhd.virtualsize={len(data)}",
        f"vhd.filename={filename}",
        "",
    ])


def create_demo_secondary_storage(root: Path) -> Path:
    """Write the seed layout under `root` (idempotent). Returns `root`."""
    root = Path(root)
    for sub in ("snapshots", "volumes"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for account, template_id, uuid, uniquename, size in SEED_TEMPLATES:
        folder = root / "template" / "tmpl" / str(account) / str(template_id)
        folder.mkdir(parents=True, exist_ok=True)
        data = image_bytes(template_id, size)
        image = folder / f"{uuid}.vhd"
        if not image.exists() or image.stat().st_size != size:
            image.write_bytes(data)
        (folder / "template.properties").write_text(properties_text(template_id, uuid, uniquename, data))
    account, template_id, name = UNFINISHED_DOWNLOAD
    partial = root / "template" / "tmpl" / str(account) / str(template_id) / name
    if not partial.exists():
        partial.write_bytes(os.urandom(64 * 1024))
    return root
