import hashlib

from storage.secondary.demo import create_demo_secondary_storage


def parse(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_demo_layout_matches_the_seed(tmp_path):
    root = create_demo_secondary_storage(tmp_path)
    tmpl = root / "template" / "tmpl" / "1"
    assert sorted(p.name for p in (tmpl / "1").iterdir()) == [
        "8b382a50-e4a2-45d8-887d-70aaecd822fd.vhd", "template.properties"]
    assert sorted(p.name for p in (tmpl / "5").iterdir()) == [
        "d5a259e7-9d77-3580-97db-74ce5fcf5b99.vhd", "dnld4447498382030525902tmp_", "template.properties"]
    assert (root / "snapshots").is_dir() and (root / "volumes").is_dir()


def test_properties_agree_with_images(tmp_path):
    root = create_demo_secondary_storage(tmp_path)
    for folder in (root / "template" / "tmpl" / "1").iterdir():
        props = parse(folder / "template.properties")
        image = folder / props["filename"]
        assert props["id"] == folder.name
        assert int(props["size"]) == image.stat().st_size
        assert props["checksum"] == hashlib.md5(image.read_bytes()).hexdigest()


def test_idempotent(tmp_path):
    create_demo_secondary_storage(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    create_demo_secondary_storage(tmp_path)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    assert before.keys() == after.keys()
    assert all(before[p] == after[p] for p in before if p.suffix == ".vhd")
