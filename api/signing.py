"""Request signing as CloudStack's developer guide specifies it.

The string to sign is every parameter but `signature`, sorted by name,
each `name=value` with the value URL-encoded like Java's URLEncoder (space
as %20), joined with `&`, and the whole string lowercased. The signature is
base64(HMAC-SHA1(secret, that string)). With `signatureVersion=3` the
request must also carry `expires` (ISO 8601 with an offset) in the future.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote


def java_urlencode(value: str) -> str:
    """java.net.URLEncoder.encode(value, "UTF-8").replace("+", "%20"): only
    letters, digits and `.-*_` stay as they are."""
    return quote(value, safe="*").replace("~", "%7E")


def _rfc3986_urlencode(value: str) -> str:
    # What many clients (cs among them) send: `~` left as it is.
    return quote(value, safe="*")


def string_to_sign(params: dict[str, str], encode=java_urlencode, fold_before_sort=False) -> str:
    """CloudStack's server sorts the names as given, then lowercases; the
    developer guide's steps lowercase, then sort. They differ only for
    mixed-case names such as `templateId` next to `templatefilter`."""
    pairs = [(name, value) for name, value in params.items() if name.lower() != "signature"]
    pairs.sort(key=(lambda pair: pair[0].lower()) if fold_before_sort else (lambda pair: pair[0]))
    return "&".join(f"{name}={encode(value)}" for name, value in pairs).lower()


def sign(params: dict[str, str], secret: str, encode=java_urlencode, fold_before_sort=False) -> str:
    text = string_to_sign(params, encode, fold_before_sort)
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_matches(params: dict[str, str], secret: str, signature: str) -> bool:
    """Constant-time check of `signature` against the server's string and the
    variants that honest clients produce from the same parameters and secret:
    `~` left unencoded (RFC 3986 quoting, as in Python's and JavaScript's
    libraries) and the guide's lowercase-then-sort order."""
    given = signature.strip().encode()
    encodings = [java_urlencode]
    if any("~" in value for value in params.values()):
        encodings.append(_rfc3986_urlencode)
    orders = [False]
    if string_to_sign(params) != string_to_sign(params, fold_before_sort=True):
        orders.append(True)
    matched = False
    for encode in encodings:
        for fold in orders:
            matched |= hmac.compare_digest(sign(params, secret, encode, fold).encode(), given)
    return matched


def parse_expires(text: str) -> datetime | None:
    """The `expires` instant, or None when it is not an ISO 8601 date-time
    with a UTC offset (CloudStack: yyyy-MM-dd'T'HH:mm:ssZ)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
