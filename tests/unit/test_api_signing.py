"""Request signing as CloudStack's developer guide specifies it, checked
against the guide's example and against the `cs` client's own signing."""
from datetime import datetime, timezone

import pytest
from cs.client import CloudStack

from api import signing

GUIDE_PARAMS = {
    "command": "deployVirtualMachine", "serviceOfferingId": "1", "diskOfferingId": "1",
    "templateId": "2", "zoneId": "4",
    "apiKey": "miVr6X7u6bN_sdahOBpjNejPgEsT35eXq-jB8CG20YI3yaxXcgpyuaIRmFI_EJTVwZ0nUkkJbPmY3y2bciKwFQ",
}


def test_string_to_sign_is_the_developer_guides():
    # "Lower case the entire Command String and sort it alphabetically via the field".
    assert signing.string_to_sign(GUIDE_PARAMS) == (
        "apikey=mivr6x7u6bn_sdahobpjnejpgest35exq-jb8cg20yi3yaxxcgpyuairmfi_ejtvwz0nukkjbpmy3y2bcikwfq"
        "&command=deployvirtualmachine&diskofferingid=1&serviceofferingid=1&templateid=2&zoneid=4")


def test_the_signature_itself_is_never_signed():
    with_signature = {**GUIDE_PARAMS, "signature": "anything"}
    assert signing.string_to_sign(with_signature) == signing.string_to_sign(GUIDE_PARAMS)


@pytest.mark.parametrize("value,encoded", [
    ("a b", "a%20b"),            # space is %20, never +
    ("a*b", "a*b"),              # * stays, as with Java's URLEncoder
    ("a+b", "a%2Bb"),
    ("été", "%C3%A9t%C3%A9"),    # UTF-8, then percent-encoded
    ("a~b", "a%7Eb"),            # Java encodes ~
    ("x.y-z_w", "x.y-z_w"),
    ("/&=?", "%2F%26%3D%3F"),
])
def test_values_are_encoded_like_javas_urlencoder(value, encoded):
    assert signing.java_urlencode(value) == encoded


@pytest.mark.parametrize("value", ["plain", "with spaces in it", "star*and*stars", "日本語のテンプレート",
                                   "émoji 🚀", "tilde~value", "a+b=c&d", "%41", ""])
def test_signatures_of_the_cs_client_match(value):
    client = CloudStack("http://x/client/api", key="KEY", secret="s3cr3t/+=", expiration=-1)
    params = {"command": "listZones", "apiKey": "KEY", "name": value, "response": "json"}
    signed = dict(params)
    client._sign(signed)
    assert signing.signature_matches(params, "s3cr3t/+=", signed["signature"])
    assert not signing.signature_matches(params, "another secret", signed["signature"])
    assert not signing.signature_matches({**params, "name": value + "x"}, "s3cr3t/+=", signed["signature"])


def test_the_guides_lowercase_then_sort_order_is_accepted_too():
    params = {"command": "listTemplates", "templateId": "5", "templatefilter": "all", "apiKey": "K"}
    server_order = signing.sign(params, "s")
    guide_order = signing.sign(params, "s", fold_before_sort=True)
    assert server_order != guide_order  # "templateId" < "templatefilter" only case-sensitively
    assert signing.signature_matches(params, "s", server_order)
    assert signing.signature_matches(params, "s", guide_order)


@pytest.mark.parametrize("text,expected", [
    ("2026-11-25T15:00:00+0000", datetime(2026, 11, 25, 15, tzinfo=timezone.utc)),
    ("2026-11-25T16:00:00+0100", datetime(2026, 11, 25, 15, tzinfo=timezone.utc)),
    ("2026-11-25T15:00:00Z", datetime(2026, 11, 25, 15, tzinfo=timezone.utc)),
    ("2026-11-25T15:00:00", None),  # no offset: ambiguous, refused
    ("tomorrow", None),
    ("", None),
])
def test_expires_parsing(text, expected):
    assert signing.parse_expires(text) == expected
