"""The one module that talks to Swift. Everything else calls these functions:
one connection factory (`connect`) and plain functions. Every failure leaves
here as `SwiftError`: one clear line for the operator (stored coded, shown in
the reader's language), an HTTP status when Swift gave one, and whether
retrying may help. Messages never carry the key, a token or a storage URL's
query, so they are safe to store and show."""
from __future__ import annotations

import json
import socket
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlparse

import requests
import swiftclient
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from swiftclient.exceptions import ClientException
from swiftclient.utils import LengthWrapper

from cloudadmin.messages import coded, english

try:  # Keystone v2/v3 auth goes through python-keystoneclient / keystoneauth1
    from keystoneauth1 import exceptions as keystone_exceptions
except ImportError:  # pragma: no cover - pinned in requirements.txt
    keystone_exceptions = None

NO_OBJECT_STORE = _("Keystone lists no object-store (Swift) endpoint for this project")

# Seconds for connect and for each read; transfers pass their own.
DEFAULT_TIMEOUT = 15


@dataclass(frozen=True)
class Credentials:
    url: str
    username: str
    key: str
    account: str = ""
    auth_version: str = "1.0"  # "1.0" tempauth, "2.0" / "3" Keystone
    domain: str = "Default"  # Keystone v3: the user's and the project's domain
    region: str = ""  # Keystone: the catalog region of the object-store endpoint ("" = the only one)

    @classmethod
    def from_store(cls, store) -> "Credentials":
        return cls(url=store.url, username=store.username, key=store.key,
                   account=store.account, auth_version=store.auth_version,
                   domain=store.domain or "Default", region=store.region)

    def __repr__(self) -> str:  # never show the key, even in tracebacks
        return f"Credentials(url={self.url!r}, account={self.account!r}, username={self.username!r})"


class SwiftError(Exception):
    """A Swift failure safe to show and store: `message` in English (logs), str() translated,
    `text` as given (a coded message or lazy text, which cloudadmin.messages.encode keeps coded)."""

    def __init__(self, message, *, status: int | None = None, transient: bool = False):
        super().__init__(english(message))
        self.message = self.args[0]
        self.text = message
        self.status = status
        self.transient = transient

    def __str__(self) -> str:
        return str(self.text)


def _failed(action, problem) -> str:
    """'<action>: <problem>', both translatable and rendered when shown."""
    return format_lazy(_("{action}: {problem}"), action=action, problem=problem)


def detect_auth_version(url: str) -> str:
    """The auth version that a URL's path names: v1.0 tempauth, v2.0 or v3."""
    path = urlparse(url).path.rstrip("/").lower()
    if path.endswith("/v3"):
        return "3"
    if path.endswith("/v2.0"):
        return "2.0"
    return "1.0"


def connect(creds: Credentials, *, timeout: float = DEFAULT_TIMEOUT, retries: int = 0) -> swiftclient.Connection:
    """A swiftclient Connection. Retries default to 0: callers decide."""
    if creds.auth_version == "1.0":
        user = f"{creds.account}:{creds.username}" if creds.account and ":" not in creds.username else creds.username
        return swiftclient.Connection(authurl=creds.url, user=user, key=creds.key,
                                      auth_version="1", retries=retries, timeout=timeout)
    os_options = {"project_name": creds.account} if creds.account else {}
    if creds.auth_version == "3":
        os_options.update(user_domain_name=creds.domain, project_domain_name=creds.domain)
    if creds.region:
        os_options["region_name"] = creds.region
    return swiftclient.Connection(authurl=creds.url, user=creds.username, key=creds.key,
                                  tenant_name=creds.account or None, os_options=os_options,
                                  auth_version=creds.auth_version, retries=retries, timeout=timeout)


def _keystone_cause(exc: BaseException) -> BaseException | None:
    """What a Keystone auth failure really was: swiftclient wraps it in a status-less
    ClientException; walk its chain to the first keystoneauth1/requests exception."""
    seen = set()
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, (requests.exceptions.RequestException, socket.timeout, TimeoutError)):
            return cause
        if keystone_exceptions is not None and isinstance(
                cause, (keystone_exceptions.HttpError, keystone_exceptions.ConnectionError)):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def translate(exc: BaseException, action: str) -> SwiftError:
    """Map any client-side failure to a SwiftError with one clear line."""
    if isinstance(exc, SwiftError):
        return exc
    if keystone_exceptions is not None:
        if isinstance(exc, (keystone_exceptions.ConnectTimeout, keystone_exceptions.RequestTimeout)):
            return SwiftError(_failed(action, _("timed out")), transient=True)
        if isinstance(exc, keystone_exceptions.ConnectionError):
            return SwiftError(_failed(action, _("cannot reach the Swift host")), transient=True)
        if isinstance(exc, keystone_exceptions.HttpError):
            exc = ClientException(exc.message or "", http_status=exc.http_status)
    if isinstance(exc, ClientException) and exc.http_status is None:
        cause = _keystone_cause(exc)
        if cause is not None:
            return translate(cause, action)
    if isinstance(exc, ClientException):
        status = exc.http_status
        if status == 401:
            return SwiftError(_failed(action, _("wrong username or key (401)")), status=401)
        if status == 403:
            return SwiftError(_failed(action, _("permission denied (403)")), status=403)
        if status == 404:
            return SwiftError(_failed(action, _("not found (404)")), status=404)
        if status == 413:
            return SwiftError(_failed(action, _("object too large for this Swift (413)")), status=413)
        if status == 422:
            return SwiftError(_failed(action, _("Swift refused the data: checksum mismatch (422)")), status=422)
        if status is not None and status >= 500:
            return SwiftError(_failed(action, format_lazy(_("Swift server error ({status})"), status=status)),
                              status=status, transient=True)
        if status is not None:
            answer = f"{status} {exc.http_reason or ''}".rstrip()
            return SwiftError(_failed(action, format_lazy(_("Swift answered {answer}"), answer=answer)),
                              status=status)
        # swiftclient raises status-less ClientExceptions for its own checks
        # (e.g. an ETag mismatch it detected); exc.msg carries no secret.
        if str(exc.msg).startswith("Endpoint for object-store not found"):
            return SwiftError(_failed(action, NO_OBJECT_STORE))
        return SwiftError(_failed(action, exc.msg))
    if isinstance(exc, (requests.exceptions.Timeout, socket.timeout, TimeoutError)):
        return SwiftError(_failed(action, _("timed out")), transient=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return SwiftError(_failed(action, _("cannot reach the Swift host")), transient=True)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return SwiftError(_failed(action, _("not a valid URL")))
    if isinstance(exc, ConnectionError):
        return SwiftError(_failed(action, _("connection to Swift lost")), transient=True)
    if isinstance(exc, json.JSONDecodeError):  # requests' JSONDecodeError is one too
        return SwiftError(_failed(action, _("not a Swift endpoint (the answer is not JSON)")))
    return SwiftError(_failed(action, format_lazy(_("unexpected error ({name})"), name=type(exc).__name__)))


def call(action: str, func, *args, **kwargs):
    """Run one swiftclient call, translating every failure."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure must be translated
        raise translate(exc, action) from None


def authenticate(conn: swiftclient.Connection) -> str:
    """Authenticate; returns the storage URL. Anything but a token and a storage URL,
    or a refusal, from the auth URL means it is not a Swift (or Keystone) auth endpoint."""
    try:
        url, token = call(_("Authentication"), conn.get_auth)
    except SwiftError as error:
        if error.status is not None and error.status < 500 and error.status not in (401, 403, 408):
            raise SwiftError(_failed(_("Authentication"), format_lazy(
                _("not a Swift endpoint (HTTP {status})"), status=error.status)), status=error.status) from None
        raise
    if not url or not token:
        raise SwiftError(_failed(_("Authentication"), _("not a Swift endpoint (no storage URL or token)")))
    conn.url, conn.token = url, token
    return url


@contextmanager
def store_connection(store, *, timeout: float = DEFAULT_TIMEOUT):
    """An authenticated connection to the configured Swift store, closed after use. Raises SwiftError."""
    conn = connect(Credentials.from_store(store), timeout=timeout)
    try:
        authenticate(conn)
        yield conn
    finally:
        conn.close()


def capabilities(conn: swiftclient.Connection) -> dict:
    """Swift's /info, reduced to what an upload plans with."""
    info = call(_("Reading /info"), conn.get_capabilities)
    if not isinstance(info, dict) or "swift" not in info:
        raise SwiftError(_failed(_("Reading /info"), _("not a Swift endpoint")))
    slo = info.get("slo")
    return {
        "version": info["swift"].get("version", ""),
        "max_file_size": info["swift"].get("max_file_size"),
        "slo": slo is not None,
        "max_manifest_segments": (slo or {}).get("max_manifest_segments"),
        "max_manifest_size": (slo or {}).get("max_manifest_size"),
        "min_segment_size": (slo or {}).get("min_segment_size"),
    }


def check_write_access(conn: swiftclient.Connection) -> None:
    """Create and delete a uniquely named container: every template gets a container of its own."""
    container = f"cloudadmin-check-{uuid.uuid4().hex}"
    try:
        call(_("Creating a container"), conn.put_container, container)
    except SwiftError as error:
        if error.status == 403:
            raise SwiftError(_failed(_("Creating a container"), _("account cannot create containers (403)")),
                             status=403) from None
        raise
    try:
        call(_("Deleting a container"), conn.delete_container, container)
    except SwiftError as error:
        if error.status == 403:
            raise SwiftError(_failed(_("Deleting a container"), _("account cannot delete containers (403)")),
                             status=403) from None
        raise


# --- objects (the transfers) -------------------------------------------------
def ensure_container(conn: swiftclient.Connection, container: str) -> bool:
    """Create `container` if needed (PUT is idempotent in Swift); True when it is new (201, not 202)."""
    answer: dict = {}
    call(coded("Creating container %(container)s", container=container), conn.put_container, container,
         response_dict=answer)
    return answer.get("status") == 201


def head_object(conn: swiftclient.Connection, container: str, name: str) -> dict | None:
    """The object's headers (lower-case names), or None when it does not exist."""
    try:
        return call(coded("Reading %(object)s", object=f"{container}/{name}"), conn.head_object, container, name)
    except SwiftError as error:
        if error.status != 404:
            raise


def list_objects(conn: swiftclient.Connection, container: str, prefix: str | None = None, *,
                 missing_ok: bool = True, full: bool = True) -> list[dict]:
    """The objects of `container` (name, hash, bytes...; one page unless `full`); [] if missing and missing_ok."""
    try:
        return call(coded("Listing %(container)s", container=container), conn.get_container, container,
                    prefix=prefix, full_listing=full)[1]
    except SwiftError as error:
        if error.status != 404 or not missing_ok:
            raise
    return []


class StreamBody(LengthWrapper):
    """An upload body of `length` bytes from an iterator of chunks, sent with
    a Content-Length (no chunked encoding) and without copying: each read
    hands over the next chunk whole. Cannot be rewound."""

    def __init__(self, chunks, length: int):  # noqa: D107 - LengthWrapper's setup is not wanted
        self._chunks, self._length = iter(chunks), length

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        return next(self._chunks, b"")


def put_object(conn: swiftclient.Connection, container: str, name: str, contents, *,
               content_length: int | None = None, etag: str | None = None,
               headers: dict | None = None, query_string: str | None = None) -> str:
    """Upload one object; returns the ETag Swift computed (quotes removed).
    `contents` is bytes or an iterable of chunks (then content_length is
    required). With `etag` Swift refuses a body of another MD5 (422). Bytes go again once on an expired token."""
    streamed = not isinstance(contents, (bytes, str))
    if streamed or query_string:
        # A HEAD renews an expired token first: a stream cannot go twice, SLO answers a manifest 400.
        call(coded("Reading the account"), conn.head_account)
    action = coded("Uploading %(object)s", object=f"{container}/{name}")
    body = StreamBody(contents, content_length) if streamed else contents
    for attempt in (1, 2):
        try:
            result = call(action, conn.put_object, container, name, body, content_length=content_length,
                          etag=etag, headers=headers or {}, query_string=query_string, response_dict={})
            return (result or "").strip('"')
        except SwiftError as error:  # expired: swiftclient dropped the token and could not send the body again
            if conn.token is not None or error.status not in (None, 401) or attempt == 2:
                raise
            if streamed:  # the caller retries
                raise SwiftError(_failed(action, _(
                    "the token expired during the upload; authenticating again and retrying")),
                    status=401, transient=True) from None
        authenticate(conn)


def post_object(conn: swiftclient.Connection, container: str, name: str, headers: dict) -> None:
    """Replace an object's metadata."""
    call(coded("Updating %(object)s", object=f"{container}/{name}"), conn.post_object, container, name, headers)


def delete_object(conn: swiftclient.Connection, container: str, name: str, *,
                  query_string: str | None = None) -> bool:
    """Delete one object; False when it did not exist."""
    try:
        call(coded("Deleting %(object)s", object=f"{container}/{name}"), conn.delete_object, container, name,
             query_string=query_string)
    except SwiftError as error:
        if error.status == 404:
            return False
        raise
    return True


def delete_container(conn: swiftclient.Connection, container: str) -> bool:
    """Delete an empty container; False when it did not exist; 409 (not empty yet) is transient."""
    try:
        call(coded("Deleting container %(container)s", container=container), conn.delete_container, container)
    except SwiftError as error:
        if error.status != 404:
            error.transient = error.transient or error.status == 409
            raise
        return False
    return True


def get_object(conn: swiftclient.Connection, container: str, name: str, *, chunk_size: int | None = None):
    """(headers, body): body is bytes, or an iterator of chunks with chunk_size.
    Errors while iterating leave as SwiftError too."""
    action = coded("Downloading %(object)s", object=f"{container}/{name}")
    headers, body = call(action, conn.get_object, container, name, resp_chunk_size=chunk_size)
    if chunk_size is None:
        return headers, body

    def chunks():
        iterator = iter(body)
        while True:
            try:
                chunk = next(iterator)
            except StopIteration:
                return
            except Exception as exc:  # noqa: BLE001 - translated like every other failure
                raise translate(exc, action) from None
            yield chunk

    return headers, chunks()


# --- reading what Swift holds (template pages, compare view) -------------------
def list_containers(conn: swiftclient.Connection, prefix: str | None = None) -> list[dict]:
    """Every container of the account (name, count, bytes)."""
    _headers, containers = call(coded("Listing containers"), conn.get_account, prefix=prefix, full_listing=True)
    return containers


def slo_segments(conn: swiftclient.Connection, container: str, name: str) -> list[dict]:
    """The segment list of a Static Large Object manifest (each with name, bytes, hash)."""
    action = coded("Reading the manifest of %(object)s", object=f"{container}/{name}")
    _headers, body = call(action, conn.get_object, container, name, query_string="multipart-manifest=get")
    try:
        segments = json.loads(body)
    except (ValueError, TypeError):
        raise SwiftError(_failed(action, _("not a Static Large Object manifest"))) from None
    return segments if isinstance(segments, list) else []


def describe_objects(conn: swiftclient.Connection, container: str) -> list[dict]:
    """The objects of `container` as a page shows them: name, bytes, etag and, for a
    Static Large Object, the whole-file MD5 the upload stored as metadata and its
    segment count (a HEAD and a manifest read each). [] without the container."""
    described = []
    for obj in list_objects(conn, container):
        # Swift marks a manifest in listings with slo_etag (newer) or a swift_bytes content-type (older).
        is_slo = "slo_etag" in obj or "swift_bytes=" in obj.get("content_type", "")
        entry = {"name": obj["name"], "bytes": obj.get("bytes", 0), "etag": obj.get("hash", "").strip('"'),
                 "slo": is_slo, "segments": None, "md5": "", "last_modified": obj.get("last_modified", "")}
        if is_slo:
            headers = head_object(conn, container, obj["name"]) or {}
            entry["md5"] = headers.get("x-object-meta-md5", "")
            entry["bytes"] = int(headers.get("content-length", entry["bytes"]))
            entry["etag"] = headers.get("etag", entry["etag"]).strip('"')
            entry["segments"] = len(slo_segments(conn, container, obj["name"]))
        described.append(entry)
    return described
