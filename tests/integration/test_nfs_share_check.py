"""The NFS secondary storage check (storage/share_checks.py) against real
folders: the demo store, an empty share, and every failure with its reason.

Tests run as root, for whom permission bits do not apply; the permission
cases run the check in a child process that has dropped to `nobody`.
"""
import json
import os
from pathlib import Path

import pytest

from cloudadmin.messages import english
from storage.secondary import share_checks
from storage.secondary.demo import create_demo_secondary_storage

NOBODY = 65534


@pytest.fixture
def share(settings, tmp_path):
    """nfs://10.0.0.5/export/secondary mapped to a folder under tmp_path."""
    folder = tmp_path / "secondary"
    settings.NFS_MOUNTS = [f"nfs://10.0.0.5/export/secondary={folder}"]
    settings.NFS_AUTOMOUNT = False
    return folder


def check():
    return share_checks.check_share("10.0.0.5", "/export/secondary")


def test_demo_store_is_reachable_with_its_two_templates(share):
    create_demo_secondary_storage(share)
    result = check()
    assert result.ok and result.templates == 2
    assert english(result.summary) == "reachable, 2 templates found"
    assert result.url == "nfs://10.0.0.5/export/secondary"


def test_an_empty_share_gets_its_template_tree(share):
    share.mkdir()
    result = check()
    assert result.ok and english(result.summary) == "reachable, 0 templates found"
    assert (share / "template").is_dir()


def test_one_template(share):
    (share / "template/tmpl/2/201").mkdir(parents=True)
    (share / "template/tmpl/2/201/template.properties").write_text("id=201\n")
    assert english(check().summary) == "reachable, 1 template found"


def test_missing_folder_is_not_mounted(share):
    result = check()
    assert not result.ok
    assert english(result.reason) == (f"Not mounted: {share} does not exist on the worker host. "
                             "Mount nfs://10.0.0.5/export/secondary there, or map it in NFS_MOUNTS.")


def test_a_file_is_not_a_directory(share):
    share.write_text("not a folder")
    assert english(check().reason) == f"Not a directory: {share}."


def test_a_path_under_a_file_is_not_a_directory(settings, tmp_path):
    # The default resolution: NFS_MOUNT_ROOT/<server>/<path>, with a file where a folder should be.
    blocker = tmp_path / "mnt"
    blocker.write_text("a file")
    settings.NFS_MOUNTS, settings.NFS_MOUNT_ROOT, settings.NFS_AUTOMOUNT = [], blocker, False
    result = share_checks.check_share("10.0.0.5", "/export/secondary")
    assert english(result.reason) == f"Not a directory: {blocker}/10.0.0.5/export/secondary."


@pytest.mark.parametrize("part", ["template", "template/tmpl"])
def test_template_not_a_folder_is_not_a_cloudstack_layout(share, part):
    (share / part).parent.mkdir(parents=True, exist_ok=True)
    (share / part).write_text("x")
    result = check()
    assert not result.ok
    assert english(result.reason) == f"Not a CloudStack secondary storage layout: {part}/ in {share} is not a folder."


def test_automount_failure_gives_the_mount_reason(settings, tmp_path):
    """With NFS_AUTOMOUNT on, as root, a missing share is mounted with
    `mount -t nfs`. This machine has no NFS client helper (mount.nfs), so
    the mount fails; the reason says so. A successful mount is not tested:
    it needs an NFS server."""
    if not share_checks.may_mount():
        pytest.skip("not allowed to mount here")
    if any(Path(p, "mount.nfs").exists() for p in ("/sbin", "/usr/sbin")):
        pytest.skip("an NFS client is installed: a real mount attempt could wait on the network")
    settings.NFS_MOUNTS, settings.NFS_MOUNT_ROOT, settings.NFS_AUTOMOUNT = [], tmp_path / "mnt", True
    result = share_checks.check_share("127.0.0.1", "/export/nothing")
    assert not result.ok
    assert english(result.reason).startswith(
        f"Not mounted: mount -t nfs 127.0.0.1:/export/nothing {tmp_path}/mnt/127.0.0.1/export/nothing failed: ")
    assert len(english(result.reason).splitlines()) == 1


# --- permissions, as an unprivileged worker -----------------------------------
def check_as_nobody(folder, settings):
    """Run the check in a forked child that dropped root for `nobody`.
    (The interpreter lives under /root, so a fresh `nobody` process could not
    even start: fork, then drop privileges.)"""
    settings.NFS_MOUNTS = [f"nfs://10.0.0.5/export/secondary={folder}"]
    settings.NFS_AUTOMOUNT = False
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result = share_checks.check_share("10.0.0.5", "/export/secondary")
            os.write(write_end, json.dumps({"ok": result.ok, "reason": english(result.reason),
                                            "templates": result.templates, "uid": os.getuid()}).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        output = pipe.read()
    os.waitpid(pid, 0)
    result = json.loads(output)
    assert result.pop("uid") == NOBODY
    return result


@pytest.fixture
def open_parent(tmp_path_factory):
    """A folder that `nobody` may traverse (pytest's tmp dirs are root-only)."""
    parent = Path(tmp_path_factory.mktemp("shares", numbered=True))
    for path in (parent, *parent.parents):
        if str(path).startswith("/tmp/") or path == Path("/tmp"):
            path.chmod(path.stat().st_mode | 0o011)
    return parent


def test_a_readable_share_passes_as_nobody(open_parent, settings):
    share = create_demo_secondary_storage(open_parent / "secondary")
    for path in [share, *share.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert check_as_nobody(share, settings) == {"ok": True, "reason": "", "templates": 2}


def test_unreadable_share_is_permission_denied(open_parent, settings):
    share = open_parent / "secondary"
    share.mkdir(mode=0o700)
    share.chmod(0o000)
    result = check_as_nobody(share, settings)
    assert result["reason"] == f"Permission denied: the worker cannot read {share}."


def test_read_only_share_without_template_tree(open_parent, settings):
    share = open_parent / "secondary"
    share.mkdir()
    share.chmod(0o555)
    result = check_as_nobody(share, settings)
    assert result["reason"] == f"Permission denied: {share} has no template/ folder and the worker cannot create one."
    assert not (share / "template").exists()
