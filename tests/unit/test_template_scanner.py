"""The scanner on real folders: complete templates, and every kind of
Invalid entry with its reason; the scan always goes on."""
import os

from hypothesis import HealthCheck, given, settings, strategies as st

from cloudadmin.messages import english
from storage.secondary import demo
from storage.catalog import scanner


def _entries(root):
    return {e.path: e for e in scanner.scan_folder(root).entries}


def test_seed_layout_is_two_complete_templates(tmp_path):
    demo.create_demo_secondary_storage(tmp_path)
    entries = _entries(tmp_path)
    assert sorted(entries) == ["template/tmpl/1/1", "template/tmpl/1/5"]
    five = entries["template/tmpl/1/5"]
    assert five.complete and five.props.filename == "d5a259e7-9d77-3580-97db-74ce5fcf5b99.vhd"
    assert five.image_size == five.props.size == 2 * 1024 * 1024 + 5


def _template(root, account, template_id, props, image=None, data=b"abc"):
    folder = root / "template" / "tmpl" / str(account) / str(template_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "template.properties").write_text(props)
    if image:
        (folder / image).write_bytes(data)
    return folder


def test_invalid_entries_have_reasons_and_the_scan_goes_on(tmp_path):
    root = tmp_path / "store"
    demo.create_demo_secondary_storage(root)
    _template(root, 2, 10, "filename=a.vhd\nid=10\nsize=3\n")  # image missing
    _template(root, 2, 11, "filename=a.vhd\nid=11\nsize=99\n", image="a.vhd")  # size mismatch
    _template(root, 2, 12, "this is not a properties file\n")
    (root / "template/tmpl/2/13").mkdir()  # an unfinished download: no properties yet
    (root / "template/tmpl/2/13/dnld123tmp_").write_bytes(b"partial")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.vhd").write_bytes(b"abc")
    os.symlink(outside, root / "template/tmpl/2/14")  # a folder link leaving the store
    folder = _template(root, 2, 15, "filename=b.vhd\nid=15\nsize=3\n")
    os.symlink(outside / "secret.vhd", folder / "b.vhd")  # an image link leaving the store
    _template(root, 2, 16, "filename=../../../outside/secret.vhd\nid=16\nsize=3\n")
    (root / "template/tmpl/2/notanumber").mkdir()
    entries = _entries(root)
    reasons = {path.rsplit("/", 1)[1]: english(e.reason) for path, e in entries.items()}
    assert reasons["1"] == reasons["5"] == ""
    assert "missing" in reasons["10"]
    assert "has 3 bytes" in reasons["11"] and "says 99" in reasons["11"]
    assert "no '='" in reasons["12"]
    assert "no template.properties" in reasons["13"]
    assert "outside" in reasons["14"]
    assert "outside" in reasons["15"]
    assert "not a plain file name" in reasons["16"]
    problems = scanner.scan_folder(root).problems
    assert problems == [{"path": "template/tmpl/2/notanumber", "reason": "template folder name is not a number"}]


def test_a_duplicate_template_id_in_two_accounts_is_invalid(tmp_path):
    _template(tmp_path, 1, 7, "filename=a.vhd\nid=7\nsize=3\n", image="a.vhd")
    _template(tmp_path, 2, 7, "filename=a.vhd\nid=7\nsize=3\n", image="a.vhd")
    entries = _entries(tmp_path)
    assert entries["template/tmpl/1/7"].complete
    assert "also in template/tmpl/1/7" in english(entries["template/tmpl/2/7"].reason)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_generated_properties_files_never_crash_the_scan(tmp_path, data):
    folder = tmp_path / "template" / "tmpl" / "1" / "9"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "template.properties").write_bytes(b"filename=a.vhd\nid=9\nsize=3\n" + data)
    (folder / "a.vhd").write_bytes(b"abc")
    [entry] = scanner.scan_folder(tmp_path).entries
    assert entry.complete or entry.reason


def test_links_are_followed_only_inside_the_store(tmp_path):
    root = tmp_path / "store"
    folder = _template(root, 1, 40, "filename=a.vhd\nid=40\nsize=3\n", image="a.vhd")
    other = _template(root, 1, 41, "x=1\n")
    (other / "template.properties").unlink()
    outside = tmp_path / "outside.properties"
    outside.write_text("filename=a.vhd\nid=41\nsize=3\n")
    os.symlink(outside, other / "template.properties")  # properties leaving the store
    (other / "a.vhd").write_bytes(b"abc")
    inside = _template(root, 1, 42, "filename=b.vhd\nid=42\nsize=3\n")
    os.symlink(folder / "a.vhd", inside / "b.vhd")  # an image link staying inside: fine
    entries = _entries(root)
    assert entries["template/tmpl/1/40"].complete
    assert "outside" in english(entries["template/tmpl/1/41"].reason)
    assert entries["template/tmpl/1/42"].complete


def test_template_root_linked_outside_is_a_problem_not_a_crash(tmp_path):
    outside = tmp_path / "outside"
    _template(outside, 1, 50, "filename=a.vhd\nid=50\nsize=3\n", image="a.vhd")
    root = tmp_path / "store"
    (root / "template").mkdir(parents=True)
    os.symlink(outside / "template" / "tmpl", root / "template" / "tmpl")
    found = scanner.scan_folder(root)
    assert found.entries == [] and "outside" in found.problems[0]["reason"]
