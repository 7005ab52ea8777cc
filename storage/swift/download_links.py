"""Download links to a template's image (Download, extractTemplate): a
Swift TempURL signed with the account's Temp-URL-Key, which the app
generates, keeps encrypted in the SwiftStore row and sets on the account
when the account lacks it or holds another; and, for a Swift without the
tempurl middleware, the image read with an HTTP Range for the app to stream."""
from __future__ import annotations

import secrets
from urllib.parse import quote, urlsplit

from swiftclient.utils import generate_temp_url

from storage.models import SwiftStore
from storage.swift import client as swift
from storage.swift.objects import CHUNK

KEY_HEADER = "X-Account-Meta-Temp-URL-Key"


def tempurl_offered(conn) -> bool:
    """Whether /info lists the tempurl middleware."""
    info = swift.call("Reading /info", conn.get_capabilities)
    return isinstance(info, dict) and "tempurl" in info


def ensure_key(conn, store: SwiftStore) -> tuple[str, bool]:
    """The account's Temp-URL-Key, generated and stored on first use; set on
    the account when it lacks it or holds another. Returns (key, whether
    the account was changed)."""
    if not store.temp_url_key:
        store.temp_url_key = secrets.token_urlsafe(32)
        store.save(update_fields=["temp_url_key"])
    headers = swift.call("Reading the account", conn.head_account)
    # Swift accepts either of the account's two keys; an operator may have
    # moved ours to the second one to use the first elsewhere.
    if store.temp_url_key in (headers.get(KEY_HEADER.lower()), headers.get(KEY_HEADER.lower() + "-2")):
        return store.temp_url_key, False
    swift.call("Setting the account's Temp-URL-Key", conn.post_account, {KEY_HEADER: store.temp_url_key})
    return store.temp_url_key, True


def temp_url(storage_url: str, container: str, name: str, key: str, seconds: int) -> str:
    """A GET link to container/name that Swift serves for `seconds`."""
    parts = urlsplit(storage_url)
    path = f"{parts.path.rstrip('/')}/{quote(container)}/{quote(name)}"
    return f"{parts.scheme}://{parts.netloc}{generate_temp_url(path, seconds, key, 'GET')}"


def open_image(conn, container: str, name: str, byte_range: str | None):
    """(headers, chunks) of the object, of `byte_range` ("bytes=a-b") when
    given: Swift answers 206 with its Content-Range."""
    headers = {"Range": byte_range} if byte_range else {}
    head, body = swift.call(f"Downloading {container}/{name}", conn.get_object, container, name,
                            resp_chunk_size=CHUNK, headers=headers)
    return head, body
