"""The one way a template is written into (or removed from) a secondary storage share, used by
the copy down from Swift and the download from a URL: the image under a
temporary name, its size and MD5 checked by the caller, renamed to its
name, template.properties last (itself written under a temporary name and
renamed), so that a folder is never complete with a partial image or a mix
of old and new. A failure or a cancel removes what the writer wrote.

The image is synced every SYNC_BYTES behind the writes, in a thread of its
own, and what a sync made durable leaves the page cache, as Swift's object
server does with its writes: a multi-GiB copy does not push out the pages
of everything else, and the freed pages take the next chunks (on a VM,
fresh pages cost system time for every GiB written)."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.utils import timezone

from cloudadmin.messages import coded
from storage.failures import TransferFailed
from storage.models import SecondaryStorage, Template, TemplateLocation
from storage.secondary import properties

SYNC_BYTES = 64 * 1024 * 1024  # written between two syncs behind the writes


def sync_and_drop(fd: int, start: int, end: int) -> None:
    """fsync, then drop [start, end) from the page cache: it is on disk."""
    os.fsync(fd)
    with contextlib.suppress(OSError):  # advice only: a file system may not take it
        os.posix_fadvise(fd, start, end - start, os.POSIX_FADV_DONTNEED)


def storage_error(exc: OSError, store: SecondaryStorage) -> TransferFailed:
    """A clear, permanent failure for an error writing to secondary storage."""
    url = store.url
    reasons = {errno.ENOSPC: coded("the secondary storage %(url)s is full (no space left on device)", url=url),
               errno.EDQUOT: coded("the secondary storage %(url)s is full (disk quota exceeded)", url=url),
               errno.EROFS: coded("the secondary storage %(url)s is read-only (read-only file system)", url=url),
               errno.EACCES: coded("the secondary storage %(url)s cannot be written here (permission denied)",
                                   url=url),
               errno.EPERM: coded("the secondary storage %(url)s cannot be written here (operation not permitted)",
                                  url=url)}
    return TransferFailed(reasons.get(exc.errno) or coded(
        "the secondary storage %(url)s cannot be written: %(error)s", url=url,
        error=exc.strerror or type(exc).__name__))


def make_template_folder(root: Path, rel: str, store: SecondaryStorage) -> tuple[Path, list[Path]]:
    """Create root/rel (checked to stay inside root); returns it and the
    folders created, deepest first, for `remove_created` on failure."""
    folder = root / rel
    created = []
    probe = folder
    while not probe.exists() and probe != root:
        created.append(probe)
        probe = probe.parent
    real_root = os.path.realpath(root)
    for _ in range(2):  # before creating folders (a link could lead out), and after
        if not os.path.realpath(folder).startswith(real_root + os.sep):
            raise TransferFailed(coded("the template folder links outside the secondary storage"))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            remove_created(created)
            raise storage_error(exc, store) from None
    return folder, created


def remove_created(created: list[Path]) -> None:
    """Remove the folders a failed copy created (when empty), so the scanner
    finds no template there."""
    for path in created:
        try:
            path.rmdir()
        except OSError:
            break


class TemplateWriter:
    """Writes one template folder, root/rel. Use it as a context manager:
    write_image(), check what it returns, then commit(); an exception
    before the end removes what was written."""

    def __init__(self, root: Path, rel: str, store: SecondaryStorage, temp_name: str):
        self.store = store
        self.folder, self.created = make_template_folder(root, rel, store)
        self.temp = self.folder / temp_name
        self.props_temp: Path | None = None
        self.image: Path | None = None
        self.size = 0

    def __enter__(self) -> "TemplateWriter":
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is not None:
            self.discard()
        return False

    def write_image(self, chunks, on_chunk) -> str:
        """Write the chunks to the temporary name, synced; on_chunk(bytes)
        after each. Returns the MD5 of what was written."""
        whole = hashlib.md5()
        try:
            with open(self.temp, "wb") as out, ThreadPoolExecutor(1, thread_name_prefix="image-sync") as syncer:
                # Leaving the block waits for a sync still running, before the file closes.
                syncing, synced = None, 0
                for chunk in chunks:
                    whole.update(chunk)
                    out.write(chunk)
                    self.size += len(chunk)
                    on_chunk(len(chunk))
                    if self.size - synced >= SYNC_BYTES and (syncing is None or syncing.done()):
                        if syncing is not None:
                            syncing.result()  # its OSError is the copy's
                        out.flush()
                        syncing = syncer.submit(sync_and_drop, out.fileno(), synced, self.size)
                        synced = self.size
                if syncing is not None:
                    syncing.result()
                out.flush()
                sync_and_drop(out.fileno(), synced, self.size)
        except OSError as exc:
            raise storage_error(exc, self.store) from None
        return whole.hexdigest()

    def commit(self, filename: str, props_bytes: bytes, *, tag) -> Path:
        """The checked image takes its name, then template.properties is
        written; an older template.properties goes first."""
        props = self.folder / properties.FILENAME
        self.props_temp = self.folder / f".{properties.FILENAME}.part-{tag}"
        try:
            props.unlink(missing_ok=True)
            os.replace(self.temp, self.folder / filename)
            self.image = self.folder / filename
            with open(self.props_temp, "wb") as out:
                out.write(props_bytes)
                out.flush()
                os.fsync(out.fileno())
            os.replace(self.props_temp, props)
        except OSError as exc:
            raise storage_error(exc, self.store) from None
        return self.image

    def discard(self) -> None:
        self.temp.unlink(missing_ok=True)
        if self.props_temp is not None:
            self.props_temp.unlink(missing_ok=True)
        if self.image is not None and not (self.folder / properties.FILENAME).exists():
            self.image.unlink(missing_ok=True)
        remove_created(self.created)


def remove_entry(path: Path, root: Path, store: SecondaryStorage) -> bool:
    """Delete one file, link or empty folder of a template folder (checked to
    stay inside root); False when it was gone already."""
    if not os.path.realpath(path.parent).startswith(os.path.realpath(root) + os.sep):
        raise TransferFailed(coded("the template folder links outside the secondary storage"))
    try:
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise storage_error(exc, store) from None
    return True


def record_ready(template: Template, zone, store: SecondaryStorage, rel: str, image: Path) -> None:
    """The zone now holds a complete copy of the template in rel."""
    st = image.stat()
    TemplateLocation.objects.update_or_create(
        template=template, zone=zone,
        defaults=dict(secondary_storage=store, state=TemplateLocation.State.READY, reason="", path=rel,
                      image_size=st.st_size, image_mtime=st.st_mtime, last_seen=timezone.now()))


def rewrite_properties(folder: Path, props_bytes: bytes, store: SecondaryStorage, *, tag) -> None:
    """Replace the template.properties of a complete folder in one rename
    (Edit template): a reader sees the old file or the new one, never a
    part, and the image is not touched."""
    temp = folder / f".{properties.FILENAME}.part-{tag}"
    try:
        with open(temp, "wb") as out:
            out.write(props_bytes)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, folder / properties.FILENAME)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise storage_error(exc, store) from None
