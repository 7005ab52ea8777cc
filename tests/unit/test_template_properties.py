"""template.properties: parsing, checks, writing back; malformed input is
always a PropertiesError with a reason, never a crash."""
import pytest
from hypothesis import given, settings, strategies as st

from storage.secondary import properties
from storage.secondary.demo import properties_text

GOOD = properties_text(5, "d5a259e7-9d77-3580-97db-74ce5fcf5b99", "centos53-x64", b"x" * 10)


def test_parse_keeps_every_key_in_order():
    values = properties.parse(GOOD + "unknown.key=kept\n# comment\n")
    assert list(values)[:3] == ["filename", "id", "uniquename"]
    assert values["unknown.key"] == "kept"
    checked = properties.check(values, folder_id=5)
    assert (checked.template_id, checked.size, checked.format) == (5, 10, "vhd")
    assert checked.filename == "d5a259e7-9d77-3580-97db-74ce5fcf5b99.vhd"
    assert checked.checksum == "336311a016184326ddbdd61edd4eeb52"


def test_java_escapes_and_md5_prefix():
    values = properties.parse("filename=a\\:b.qcow2\nid=3\nsize=1\nchecksum={MD5}ABCDEF0123456789ABCDEF0123456789\n")
    checked = properties.check(values, folder_id=3)
    assert checked.filename == "a:b.qcow2" and checked.checksum == "abcdef0123456789abcdef0123456789"


@pytest.mark.parametrize("text, reason", [
    ("filename=a.vhd\nid=1\nsize=1\njunk line\n", "no '='"),
    ("filename=a.vhd\nid=1\nsize=1\nsize=2\n", "repeated"),
    ("filename=a.vhd\nid=1\n", "no size"),
    ("filename=a.vhd\nid=1\nsize=-1\n", "not a whole number"),
    ("filename=../../etc/passwd\nid=1\nsize=1\n", "not a plain file name"),
    ("id=1\nsize=1\n", "no filename"),
    ("filename=a.vhd\nid=2\nsize=1\n", "differs from its folder"),
    ("filename=a.vhd\nid=1\nsize=1\nchecksum=nothex\n", "not an MD5"),
    ("filename=a.vhd\nid=1\nsize=1\nvhd=true\nvhd.size=2\n", "differs from vhd.size"),
    (b"filename=\xff\xfe\nid=1\nsize=1\n", "not UTF-8"),
])
def test_malformed_files_say_why(text, reason):
    with pytest.raises(properties.PropertiesError, match=reason):
        properties.check(properties.parse(text), folder_id=1)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data):
    try:
        properties.check(properties.parse(data), folder_id=1)
    except properties.PropertiesError as exc:
        assert str(exc)


lines = st.lists(st.one_of(
    st.text(max_size=30),
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from(["filename", "id", "size", "checksum", "vhd",
                                                          "vhd.size", "uniquename", "x"]), st.text(max_size=20)),
), max_size=12)


@settings(max_examples=300, deadline=None)
@given(lines)
def test_generated_key_value_files_are_valid_or_invalid_with_a_reason(body):
    text = "\n".join(body)
    try:
        checked = properties.check(properties.parse(text), folder_id=1)
    except properties.PropertiesError as exc:
        assert str(exc)
    else:
        assert checked.filename and "/" not in checked.filename and checked.size >= 0


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=20).filter(lambda k: k.strip() == k and k[0] not in "#!"),
                       st.text(max_size=30).filter(lambda v: v.strip() == v), max_size=8))
def test_serialise_round_trips(values):
    assert properties.parse(properties.serialise(values)) == values
