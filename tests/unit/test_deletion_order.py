"""The order a template's copy is deleted in, so that a half-deleted copy is
never complete: on NFS template.properties first, then the files (a link is
removed, never followed), then the folders; in Swift template.properties,
the manifest alone, then its segments."""
import os

import pytest

from storage.failures import TransferFailed
from storage.models import SecondaryStorage
from storage.secondary import layout, writer
from storage.swift import objects


def test_nfs_properties_first_then_files_then_folders(tmp_path):
    folder = tmp_path / "template" / "tmpl" / "1" / "5"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.vhd").write_bytes(b"x" * 10)
    (folder / "template.properties").write_text("id=5\n")
    (folder / "sub" / "dnld1tmp_").write_bytes(b"y" * 3)
    outside = tmp_path / "outside.vhd"
    outside.write_bytes(b"keep")
    os.symlink(outside, folder / "link.vhd")
    order = [(path.relative_to(folder).as_posix(), size) for path, size in layout.deletion_order(folder)]
    assert order[0] == ("template.properties", 5)
    assert set(order[1:4]) == {("a.vhd", 10), ("link.vhd", 0), ("sub/dnld1tmp_", 3)}
    assert order[4:] == [("sub", 0), (".", 0)]
    store = SecondaryStorage(server="127.0.0.1", path="/x")
    for path, _size in layout.deletion_order(folder):
        assert writer.remove_entry(path, tmp_path, store)
    assert not folder.exists() and outside.read_bytes() == b"keep"  # the link's target stays
    assert layout.deletion_order(folder) == []  # a retry finds nothing left


def test_nfs_a_linked_template_folder_loses_its_link_only(tmp_path):
    target = tmp_path / "real"
    target.mkdir()
    (target / "template.properties").write_text("id=5\n")
    folder = tmp_path / "template" / "tmpl" / "1" / "5"
    folder.parent.mkdir(parents=True)
    os.symlink(target, folder)
    assert layout.deletion_order(folder) == [(folder, 0)]
    assert writer.remove_entry(folder, tmp_path, SecondaryStorage(server="h", path="/p"))
    assert not folder.exists() and (target / "template.properties").exists()


def test_nfs_refuses_to_leave_the_share(tmp_path):
    root = tmp_path / "share"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", root / "template")
    (tmp_path / "elsewhere" / "f").write_text("keep")
    with pytest.raises(TransferFailed, match="outside"):
        writer.remove_entry(root / "template" / "f", root, SecondaryStorage(server="h", path="/p"))
    assert (tmp_path / "elsewhere" / "f").exists()


class FakeConnection:
    """Only get_container: what a listing of both containers answers."""

    def __init__(self, containers):
        self.containers = containers

    def get_container(self, name, **kwargs):
        return {}, self.containers[name]


def test_swift_properties_then_manifest_then_segments():
    conn = FakeConnection({
        "T-5": [{"name": "a.vhd", "bytes": 3000, "slo_etag": "e"}, {"name": "template.properties", "bytes": 40}],
        "T-5_segments": [{"name": f"a.vhd/1.0/3000/1000/0000000{i}", "bytes": 1000} for i in range(3)],
    })
    assert objects.deletion_order(conn, "T-5") == [
        ("T-5", "template.properties", 40), ("T-5", "a.vhd", 0),
        *[("T-5_segments", f"a.vhd/1.0/3000/1000/0000000{i}", 1000) for i in range(3)]]
