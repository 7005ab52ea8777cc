"""Where a zone's NFS secondary storage is found on this host.

Workers read secondary storage through a mount, as CloudStack's secondary
storage VM does. nfs://server/path resolves to an explicit NFS_MOUNTS entry,
else to <NFS_MOUNT_ROOT>/<server>/<path>.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings


def share_url(server: str, path: str) -> str:
    return f"nfs://{server}{path}"


def explicit_mounts() -> dict[str, Path]:
    mounts = {}
    for entry in settings.NFS_MOUNTS:
        url, sep, local = entry.partition("=")
        if sep and url and local:
            mounts[url.rstrip("/")] = Path(local)
    return mounts


def local_path(server: str, path: str) -> Path:
    """The local folder holding nfs://server/path on this host."""
    url = share_url(server, path).rstrip("/")
    mapped = explicit_mounts().get(url)
    if mapped is not None:
        return mapped
    return Path(settings.NFS_MOUNT_ROOT) / server / path.strip("/")
