"""The compare view's verdicts and NFS listing, on plain data and a temp folder."""
import hashlib

import pytest

from storage.catalog import compare
from storage.secondary import demo
from storage.secondary import listing as share_listing


def _obj(name, size, etag="", md5="", slo=False):
    return {"name": name, "bytes": size, "etag": etag, "md5": md5, "slo": slo, "segments": 3 if slo else None}


@pytest.mark.parametrize("nfs_file,obj,verdict", [
    ({"name": "dnld4447498382030525902tmp_", "size": 5, "md5": ""}, None, "skipped"),
    ({"name": "dnld1tmp_", "size": 5, "md5": ""}, _obj("dnld1tmp_", 5), "skipped"),
    ({"name": "a.vhd", "size": 5, "md5": "aa"}, None, "missing"),
    ({"name": "a.vhd", "size": 5, "md5": "aa"}, _obj("a.vhd", 6, "aa"), "size"),
    ({"name": "a.vhd", "size": 5, "md5": "aa"}, _obj("a.vhd", 5, "bb"), "checksum"),
    ({"name": "a.vhd", "size": 5, "md5": "AA"}, _obj("a.vhd", 5, "aa"), "match"),
    ({"name": "a.vhd", "size": 5, "md5": ""}, _obj("a.vhd", 5, "bb"), "match"),  # nothing declared: size only
    # A large object: its ETag is not the content MD5, the metadata is.
    ({"name": "a.vhd", "size": 5, "md5": "aa"}, _obj("a.vhd", 5, "zz", md5="aa", slo=True), "match"),
    ({"name": "a.vhd", "size": 5, "md5": "aa"}, _obj("a.vhd", 5, "zz", md5="cc", slo=True), "checksum"),
    # Metadata on a plain object describes something else (the image on template.properties).
    ({"name": "template.properties", "size": 5, "md5": "pp"}, _obj("template.properties", 5, "pp", md5="ii"), "match"),
])
def test_file_verdict(nfs_file, obj, verdict):
    assert compare.file_verdict(nfs_file, obj) == verdict


def test_compare_rows_side_by_side():
    nfs_side = {5: {"path": "template/tmpl/1/5", "files": [{"name": "a.vhd", "size": 5, "md5": "aa"},
                                                          {"name": "dnld9tmp_", "size": 1, "md5": ""}]}}
    swift_side = {5: [_obj("a.vhd", 5, "aa"), _obj("extra", 1, "ee")], 9: [_obj("b.vhd", 2, "bb")]}
    rows = compare.compare(nfs_side, swift_side)
    assert [r.template_id for r in rows] == [5, 9]
    assert [(f.name, f.verdict) for f in rows[0].files] == [("a.vhd", "match"), ("dnld9tmp_", "skipped"),
                                                           ("extra", "only-swift")]
    assert not rows[0].ok  # an object only in Swift is a difference
    assert rows[1].on_nfs is False and not rows[1].ok
    assert compare.compare({5: nfs_side[5]}, {5: [_obj("a.vhd", 5, "aa")]})[0].ok


def test_read_share_lists_the_seed_layout(tmp_path):
    demo.create_demo_secondary_storage(tmp_path)
    (tmp_path / "template" / "tmpl" / "1" / "not-a-number").mkdir()
    listing = share_listing.read_share(tmp_path)
    assert sorted(listing) == [1, 5]
    files = {f["name"]: f for f in listing[5]["files"]}
    assert set(files) == {"d5a259e7-9d77-3580-97db-74ce5fcf5b99.vhd", "dnld4447498382030525902tmp_",
                          "template.properties"}
    image = tmp_path / "template/tmpl/1/5/d5a259e7-9d77-3580-97db-74ce5fcf5b99.vhd"
    assert files[image.name]["md5"] == hashlib.md5(image.read_bytes()).hexdigest()  # as declared
    props = (tmp_path / "template/tmpl/1/5/template.properties").read_bytes()
    assert files["template.properties"]["md5"] == hashlib.md5(props).hexdigest()  # computed
    assert files["dnld4447498382030525902tmp_"]["md5"] == ""
    assert listing[5]["path"] == "template/tmpl/1/5"


def test_read_share_refuses_a_missing_mount(tmp_path):
    with pytest.raises(OSError):
        share_listing.read_share(tmp_path / "absent")
    assert share_listing.read_share(tmp_path) == {}  # mounted, but no template folder yet


class _NoAnswer:
    def get(self, timeout, propagate=True):
        from celery.exceptions import TimeoutError as CeleryTimeout

        raise CeleryTimeout()


class _Answer:
    def __init__(self, answer):
        self.answer = answer

    def get(self, timeout, propagate=True):
        return self.answer


class _Store:
    pk = 1
    url = "nfs://10.0.0.5/export/secondary"


def test_through_a_worker_no_answer_in_time_is_unreachable(monkeypatch, settings):
    from storage import tasks

    settings.COMPARE_WORKER_TIMEOUT = 0.1
    monkeypatch.setattr(tasks.list_share, "apply_async", lambda args: _NoAnswer())
    with pytest.raises(compare.SideUnreachable, match="no worker answered within 0.1 s"):
        compare._read_through_worker(_Store())


def test_through_a_worker_its_answer_or_its_error(monkeypatch):
    from storage import tasks

    listing = {"5": {"path": "template/tmpl/1/5", "files": []}}
    monkeypatch.setattr(tasks.list_share, "apply_async", lambda args: _Answer({"error": "", "templates": listing}))
    assert compare._read_through_worker(_Store()) == {5: listing["5"]}  # keys back to ints
    monkeypatch.setattr(tasks.list_share, "apply_async",
                        lambda args: _Answer({"error": "No such file or directory", "templates": {}}))
    with pytest.raises(compare.SideUnreachable, match="cannot be read by the worker either: No such file"):
        compare._read_through_worker(_Store())
