from pathlib import Path

from storage.secondary import nfs


def test_default_is_under_mount_root(settings):
    settings.NFS_MOUNTS = []
    settings.NFS_MOUNT_ROOT = Path("/mnt/secondary")
    assert nfs.local_path("10.0.0.5", "/export/secondary") == Path("/mnt/secondary/10.0.0.5/export/secondary")


def test_explicit_mapping_wins(settings, tmp_path):
    settings.NFS_MOUNTS = [f"nfs://127.0.0.1/export/secondary/={tmp_path}", "garbage"]
    assert nfs.local_path("127.0.0.1", "/export/secondary") == tmp_path
    assert nfs.local_path("127.0.0.2", "/export/secondary") == Path(settings.NFS_MOUNT_ROOT) / "127.0.0.2/export/secondary"
