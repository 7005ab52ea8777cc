"""Edit template's rewrite of one template.properties: the edited keys take
their new values, every other key stays in its place, an up-to-date copy
is left alone, and a broken file fails with the reason."""
import pytest

from storage.failures import TransferFailed
from storage.secondary import properties
from storage.transfers.properties_update import rewritten

ORIGINAL = (b"#Tue Nov 24 10:00:00 UTC 2026\nfilename=a.vhd\nid=5\npublic=true\nuniquename=centos53-x64\n"
            b"description=CentOS 5.3\nhvm=true\nx.custom=kept\nsize=10\n")


def test_the_edited_keys_change_and_the_others_stay_in_order():
    new = rewritten(ORIGINAL, {"uniquename": "web", "description": "a=b: c", "public": "false"}, "in zone Z")
    values = properties.parse(new)
    assert list(values) == ["filename", "id", "public", "uniquename", "description", "hvm", "x.custom", "size"]
    assert (values["uniquename"], values["description"], values["public"]) == ("web", "a=b: c", "false")
    assert (values["hvm"], values["x.custom"]) == ("true", "kept")


def test_a_missing_key_is_added_at_the_end():
    values = properties.parse(rewritten(b"filename=a.vhd\nid=5\nsize=1\n", {"public": "true"}, "in Swift"))
    assert list(values) == ["filename", "id", "size", "public"]


def test_an_up_to_date_copy_is_not_rewritten():
    assert rewritten(ORIGINAL, {"uniquename": "centos53-x64", "public": "true"}, "in Swift") is None


def test_a_broken_file_fails_with_where_and_why():
    with pytest.raises(TransferFailed, match="template.properties in zone Z: line 1"):
        rewritten(b"no equals sign here\n", {"public": "true"}, "in zone Z")
