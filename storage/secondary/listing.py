"""A share's templates file by file, as plain data (a worker can send it
back): the NFS side of the compare view. Walks the share with the one
walker of the layout (storage.secondary.layout), so it lists the very
folders the scanner sees."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from storage.models import SecondaryStorage
from storage.secondary import layout, nfs, properties

# template.properties is small: hash it, unlike the image (whose MD5 the
# properties declare).
HASH_LIMIT = 1024 * 1024


def read_share(root: str | Path) -> dict:
    """{template id: {"path", "files": [{"name", "size", "md5"}]}} of the share
    mounted at `root`. "md5" is the file's own MD5 for template.properties,
    the MD5 template.properties declares for the image, else "". Raises
    OSError when the share cannot be read at all."""
    templates: dict[int, dict] = {}
    for folder in layout.walk(root).folders:
        templates.setdefault(folder.template_id, _read_folder(Path(folder.path), folder.rel))
    return templates


def _read_folder(folder: Path, rel: str) -> dict:
    files = []
    declared = {}
    props_path = folder / properties.FILENAME
    if props_path.is_file():
        try:
            values = properties.parse(props_path.read_bytes())
            if values.get("filename") and values.get("checksum"):
                declared[values["filename"]] = values["checksum"].lower()
        except (ValueError, OSError):
            pass  # shown as a plain file; the scanner reports why it is invalid
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if not entry.is_file(follow_symlinks=False):
            continue
        size = entry.stat(follow_symlinks=False).st_size
        md5 = declared.get(entry.name, "")
        if entry.name == properties.FILENAME and size <= HASH_LIMIT:
            md5 = hashlib.md5(Path(entry.path).read_bytes()).hexdigest()
        files.append({"name": entry.name, "size": size, "md5": md5})
    return {"path": rel, "files": files}


def list_share_of(secondary_storage_id: int) -> dict:
    """read_share of one store for storage.tasks.list_share; never raises:
    an unreadable share comes back as {"error": ...}."""
    store = SecondaryStorage.objects.filter(pk=secondary_storage_id).first()
    if store is None:
        return {"error": "no such secondary storage", "templates": {}}
    try:
        templates = read_share(nfs.local_path(store.server, store.path))
    except OSError as exc:
        return {"error": exc.strerror or str(exc), "templates": {}}
    return {"error": "", "templates": {str(k): v for k, v in templates.items()}}
