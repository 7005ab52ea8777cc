"""CloudStack's layout of a secondary storage share, read in one place:
template/tmpl/<account id>/<template id>/ holding template.properties and
the image it names. `walk(root)` is the one walker of that tree (the
scanner, the compare view and template id allocation all use it);
`check_folder` says whether one template folder is complete, and why not.
A symlink is followed only while it stays inside the share."""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cloudadmin.messages import Message, coded
from storage.failures import TransferFailed
from storage.models import SecondaryStorage
from storage.secondary import nfs, properties

TEMPLATE_ROOT = ("template", "tmpl")


def template_rel(account_id: int, template_id: int) -> str:
    """The folder of a template, relative to the share root."""
    return "/".join((*TEMPLATE_ROOT, str(account_id), str(template_id)))


def zone_store_root(zone) -> tuple[SecondaryStorage, Path]:
    """The zone's (first) secondary storage and the local folder of its share."""
    store = SecondaryStorage.objects.filter(zone=zone).order_by("id").first()
    if store is None:
        raise TransferFailed(coded("zone %(zone)s has no secondary storage", zone=zone.name))
    return store, nfs.local_path(store.server, store.path)


@dataclass(slots=True)  # one per template folder: a scan holds 100,000
class Entry:
    """One template folder as the scanner saw it."""

    path: str  # relative to the share root, e.g. template/tmpl/1/5
    template_id: int | None
    account_id: int | None
    reason: Message | str = ""  # "" when complete; coded (cloudadmin.messages)
    props: properties.TemplateProperties | None = None
    image_size: int | None = None
    image_mtime: float | None = None

    @property
    def complete(self) -> bool:
        return not self.reason


def _inside(path: str, real_root: str) -> bool:
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)


def _stat_inside(path: str, real_root: str) -> os.stat_result:
    """stat() of a file in a template folder; a symlink is followed only
    when it stays inside the store (ValueError otherwise)."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        if not _inside(path, real_root):
            raise ValueError("links outside the secondary storage")
        st = os.stat(path)
    return st


def check_folder(folder: str, rel: str, real_root: str, template_id: int, account_id: int, *,
                 folder_inside: bool = False) -> Entry:
    """The Entry of one template folder (never raises for its content).
    folder_inside: the caller knows the folder is no link out of the store."""
    entry = Entry(path=rel, template_id=template_id, account_id=account_id)
    if not folder_inside and not _inside(folder, real_root):
        entry.reason = coded("the folder is a link to a place outside the secondary storage")
        return entry
    props_path = os.path.join(folder, properties.FILENAME)
    try:
        st = _stat_inside(props_path, real_root)
        if not stat.S_ISREG(st.st_mode):
            entry.reason = coded("template.properties is not a regular file")
            return entry
        if st.st_size > properties.MAX_BYTES:
            entry.reason = coded("template.properties is too large")
            return entry
        with open(props_path, "rb") as handle:
            data = handle.read(properties.MAX_BYTES + 1)
    except FileNotFoundError:
        entry.reason = coded("no template.properties (an unfinished download?)")
        return entry
    except ValueError:  # _stat_inside's only one
        entry.reason = coded("template.properties links outside the secondary storage")
        return entry
    except OSError as exc:
        entry.reason = coded("template.properties cannot be read: %(error)s", error=exc.strerror or type(exc).__name__)
        return entry
    try:
        props = properties.check(properties.parse(data), folder_id=template_id)
    except properties.PropertiesError as exc:
        entry.reason = coded("template.properties: %(error)s", error=str(exc))
        return entry
    entry.props = props
    image = os.path.join(folder, props.filename)  # a plain name: properties.check made sure
    try:
        st = _stat_inside(image, real_root)
    except FileNotFoundError:
        entry.reason = coded("the image %(file)s is missing", file=props.filename)
        return entry
    except ValueError:  # _stat_inside's only one
        entry.reason = coded("the image %(file)s links outside the secondary storage", file=props.filename)
        return entry
    except OSError as exc:
        entry.reason = coded("the image %(file)s cannot be read: %(error)s", file=props.filename,
                             error=exc.strerror or type(exc).__name__)
        return entry
    if not stat.S_ISREG(st.st_mode):
        entry.reason = coded("the image %(file)s is not a regular file", file=props.filename)
        return entry
    entry.image_size, entry.image_mtime = st.st_size, st.st_mtime
    if st.st_size != props.size:
        entry.reason = coded("the image %(file)s has %(size)s bytes, template.properties says %(expected)s "
                             "(still downloading?)", file=props.filename, size=st.st_size, expected=props.size)
    return entry


@dataclass(slots=True)  # one per template folder: a scan holds 100,000
class TemplateFolder:
    """A folder named like a template's, not yet checked."""

    path: str  # on this host
    rel: str  # relative to the share root, e.g. template/tmpl/1/5
    account_id: int
    template_id: int
    inside: bool  # no symlink on the way: known to be inside the share


@dataclass
class Walk:
    folders: list[TemplateFolder] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # not template folders at all


def walk(root: Path | str) -> Walk:
    """Every template folder under root/template/tmpl, sorted by name, and
    what is there but is no template folder. Raises OSError only when the
    share itself cannot be read."""
    root = str(root)
    real_root = os.path.realpath(root)
    result = Walk()
    tmpl = os.path.join(root, *TEMPLATE_ROOT)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"{root} is not a folder (is the share mounted?)")
    if not os.path.isdir(tmpl):
        return result  # a fresh store without templates
    if not _inside(tmpl, real_root):
        result.problems.append({"path": "/".join(TEMPLATE_ROOT),
                                "reason": "a link to a place outside the secondary storage"})
        return result
    with os.scandir(tmpl) as accounts:
        account_dirs = sorted(accounts, key=lambda e: e.name)
    for account in account_dirs:
        _walk_account(account, real_root, result)
    return result


def _walk_account(account: os.DirEntry, real_root: str, result: Walk) -> None:
    rel_account = "/".join((*TEMPLATE_ROOT, account.name))
    account_id = properties.parse_id(account.name)
    if not account.is_dir(follow_symlinks=True):
        result.problems.append({"path": rel_account, "reason": "not a folder"})
        return
    if account_id is None:
        result.problems.append({"path": rel_account, "reason": "account folder name is not a number"})
        return
    # Below a folder known to be inside, only a symlink can lead out.
    if account.is_symlink() and not _inside(account.path, real_root):
        result.problems.append({"path": rel_account,
                                "reason": "a link to a place outside the secondary storage"})
        return
    try:
        with os.scandir(account.path) as folders:
            template_dirs = sorted(folders, key=lambda e: e.name)
    except OSError as exc:
        result.problems.append({"path": rel_account, "reason": f"cannot be read: {exc.strerror}"})
        return
    for folder in template_dirs:
        rel = f"{rel_account}/{folder.name}"
        template_id = properties.parse_id(folder.name)
        if not folder.is_dir(follow_symlinks=True):
            result.problems.append({"path": rel, "reason": "not a folder"})
            continue
        if template_id is None:
            result.problems.append({"path": rel, "reason": "template folder name is not a number"})
            continue
        result.folders.append(TemplateFolder(
            path=folder.path, rel=rel, account_id=account_id, template_id=template_id,
            inside=not account.is_symlink() and not folder.is_symlink()))


def highest_template_id(root: Path | str) -> int:
    """The highest template folder id on one share, 0 when it cannot be read."""
    try:
        return max((folder.template_id for folder in walk(root).folders), default=0)
    except OSError:
        return 0


def deletion_order(folder: Path) -> list[tuple[Path, int]]:
    """What deleting a template folder removes, as (path, bytes), in order:
    template.properties first (the folder stops being a complete template at
    once, so no scan copies a half-deleted one), then every other file or
    link (links are not followed), then the folders, deepest first (0
    bytes). [] when the folder does not exist; only the link when it is one."""
    if folder.is_symlink():
        return [(folder, 0)]  # the link goes, not what it points to
    if not folder.is_dir():
        return []
    files, folders = [], []
    for current, dirs, names in os.walk(folder, topdown=False):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(current, d))]:
            path = Path(current) / name
            files.append((path, path.lstat().st_size if stat.S_ISREG(path.lstat().st_mode) else 0))
        folders += [(Path(current) / d, 0) for d in dirs if not os.path.islink(os.path.join(current, d))]
    first = [entry for entry in files if entry[0] == folder / properties.FILENAME]
    return first + [entry for entry in files if entry not in first] + folders + [(folder, 0)]
