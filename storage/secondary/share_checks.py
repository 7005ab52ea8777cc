"""The check of an NFS secondary storage share, run by a worker.

The share is read through its local folder (storage.secondary.nfs.local_path). It is
usable when the folder exists, is readable, and holds a `template/` tree or
lets us create one. Each failure gives one reason: not mounted, permission
denied, not a directory, or not a CloudStack secondary storage layout.
With NFS_AUTOMOUNT on and the right to mount, a missing share is mounted
with `mount -t nfs` first.
"""
from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from cloudadmin import events, messages
from cloudadmin.messages import Message, coded, coded_plural
from storage.models import SecondaryStorage
from storage.secondary import nfs

MOUNT_TIMEOUT = 30  # seconds for `mount -t nfs`
# Where CloudStack keeps each template: template/tmpl/<account>/<template id>/template.properties
TEMPLATE_PROPERTIES = "template/tmpl/*/*/template.properties"


@dataclass(frozen=True)
class ShareCheck:
    url: str
    folder: str
    ok: bool
    reason: Message | str = ""  # one clear line when not ok (coded: cloudadmin.messages)
    templates: int = 0

    @property
    def summary(self) -> Message | str:
        if not self.ok:
            return self.reason
        return coded_plural("reachable, %(count)d template found", "reachable, %(count)d templates found",
                            "count", count=self.templates)


def may_mount() -> bool:
    """Mounting needs root (CAP_SYS_ADMIN) and the mount command."""
    return os.geteuid() == 0 and shutil.which("mount") is not None


def mount(server: str, path: str, folder: Path) -> str:
    """Mount nfs://server/path on `folder`; '' on success, else the reason."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["mount", "-t", "nfs", f"{server}:{path}", str(folder)],
                                capture_output=True, text=True, timeout=MOUNT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit status {result.returncode}"
    return ""


def _failure(url, folder, reason) -> ShareCheck:
    return ShareCheck(url=url, folder=str(folder), ok=False, reason=reason)


def _os_failure(url, folder, error: OSError, what: Path) -> ShareCheck:
    if error.errno in (errno.EACCES, errno.EPERM):
        return _failure(url, folder, coded("Permission denied: the worker cannot read %(path)s.", path=what))
    if error.errno == errno.ENOTDIR:
        return _failure(url, folder, coded("Not a directory: %(path)s.", path=what))
    if error.errno == errno.ENOENT:
        return _failure(url, folder, coded("Not mounted: %(path)s does not exist on the worker host. Mount %(url)s "
                                           "there, or map it in NFS_MOUNTS.", path=what, url=url))
    return _failure(url, folder, coded("%(path)s: %(error)s", path=what,
                                       error=os.strerror(error.errno or 0) or error))


def _mount_failure(url, folder, server, path, reason) -> ShareCheck:
    return _failure(url, folder, coded("Not mounted: mount -t nfs %(source)s %(path)s failed: %(reason)s",
                                       source=f"{server}:{path}", path=folder, reason=reason))


def check_share_answer(server: str, path: str) -> dict:
    """check_share as zones.hooks.check_share_now answers it."""
    result = check_share(server, path)
    return {"status": "ok" if result.ok else "failed", "message": messages.encode(result.summary),
            "templates": result.templates}


def check_share(server: str, path: str) -> ShareCheck:
    """Check nfs://server/path through its local folder. Never raises."""
    url = nfs.share_url(server, path)
    folder = nfs.local_path(server, path)
    try:
        folder_stat = folder.stat()
    except OSError as error:
        if error.errno == errno.ENOENT and settings.NFS_AUTOMOUNT and may_mount():
            reason = mount(server, path, folder)
            if reason:
                return _mount_failure(url, folder, server, path, reason)
            return check_share_folder(url, folder)
        return _os_failure(url, folder, error, folder)
    if not stat.S_ISDIR(folder_stat.st_mode):
        return _failure(url, folder, coded("Not a directory: %(path)s.", path=folder))
    if settings.NFS_AUTOMOUNT and may_mount() and not _is_mapped(url) and not os.path.ismount(folder):
        reason = mount(server, path, folder)
        if reason:
            return _mount_failure(url, folder, server, path, reason)
    return check_share_folder(url, folder)


def _is_mapped(url: str) -> bool:
    return url.rstrip("/") in nfs.explicit_mounts()


def check_share_folder(url: str, folder: Path) -> ShareCheck:
    """The readable-folder and layout half of the check."""
    try:
        names = set(os.listdir(folder))
    except OSError as error:
        return _os_failure(url, folder, error, folder)
    template = folder / "template"
    if "template" not in names:
        try:
            template.mkdir()
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return _failure(url, folder, coded("Permission denied: %(path)s has no template/ folder and the "
                                                   "worker cannot create one.", path=folder))
            return _os_failure(url, folder, error, template)
        return ShareCheck(url=url, folder=str(folder), ok=True, templates=0)
    for part, label in ((template, "template/"), (template / "tmpl", "template/tmpl/")):
        try:
            mode = part.lstat().st_mode
        except FileNotFoundError:
            break  # an empty template/ is a fresh store
        except OSError as error:
            return _os_failure(url, folder, error, part)
        if not stat.S_ISDIR(mode):
            return _failure(url, folder, coded("Not a CloudStack secondary storage layout: %(label)s in %(path)s "
                                               "is not a folder.", label=label, path=folder))
        try:
            os.listdir(part)
        except OSError as error:
            return _os_failure(url, folder, error, part)
    templates = sum(1 for _found in folder.glob(TEMPLATE_PROPERTIES))
    return ShareCheck(url=url, folder=str(folder), ok=True, templates=templates)


def refresh_store_state(store) -> ShareCheck:
    """Check a SecondaryStorage row's share and store Up/Down, the reason and
    the time. A change of state is recorded as an event."""
    result = check_share(store.server, store.path)
    state = SecondaryStorage.State.UP if result.ok else SecondaryStorage.State.DOWN
    previous = store.state
    store.state, store.state_reason, store.last_checked = state, messages.encode(result.summary, 500), timezone.now()
    SecondaryStorage.objects.filter(pk=store.pk).update(
        state=store.state, state_reason=store.state_reason, last_checked=store.last_checked)
    if previous != state:
        record = events.record if result.ok else events.record_failure
        record("secondary_storage.state", username="worker", target=store.url,
               detail=coded("%(previous)s → %(state)s: %(summary)s", previous=previous, state=state,
                            summary=result.summary))
    return result


def refresh_store_state_of(store_id: int) -> None:
    """refresh_store_state of one store, if it still exists (after a zone is launched)."""
    store = SecondaryStorage.objects.filter(pk=store_id).first()
    if store is not None:
        refresh_store_state(store)


def refresh_every_store_state() -> None:
    for store in SecondaryStorage.objects.all():
        refresh_store_state(store)
