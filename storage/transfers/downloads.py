"""Register template: download an image from a URL into a zone's NFS
secondary storage, the way CloudStack's secondary storage VM does.

- `storage.catalog.registration.register(...)` (the web request): allocate
  a template id greater than any id seen on any store, create the Template,
  its TemplateRegistration and a Transfer with direction DOWNLOAD.
- `run(transfer, progress, store)` (the worker: the runner of direction
  DOWNLOAD, so it has the same lifecycle, progress, retry and cancel as
  every transfer, storage.transfers.lifecycle): into template/tmpl/<account>/<id>/ as
  `dnld<random>tmp_` while downloading, then renamed to `<uuid>.<format>`
  once its size and MD5 are checked, then template.properties last. A
  failure or a cancel removes everything it wrote.
- `after_download(transfer)`: the new template goes to Swift like any other
  (then to the other zones through storage.transfers.replication).

Only http and https are fetched. Unless settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL,
every address the host resolves to must be a public one, checked for the
URL and after every redirect, and the connection goes to the very address
checked (no second lookup that a rebinding DNS could answer differently).
"""
from __future__ import annotations

import http.client
import logging
import secrets
import socket
import ssl
import struct
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils import timezone

from cloudadmin.addresses import is_internal
from cloudadmin.messages import coded
from storage.failures import TransferFailed
from storage.models import SwiftStore, Template, TemplateLocation, TemplateRegistration, Transfer
from storage.secondary import layout, properties
from storage.secondary.writer import TemplateWriter, record_ready
from storage.swift.objects import CHUNK
from storage.transfers import queueing
from storage.transfers.progress import Progress

logger = logging.getLogger(__name__)

# Registered templates belong to the admin account, as in CloudStack
# (account 1 is the system account of the built-in templates).
ACCOUNT_ID = 2
SCHEMES = ("http", "https")
REDIRECTS = (301, 302, 303, 307, 308)


class DownloadError(TransferFailed):
    """A download that cannot go on; `transient` ones are retried later."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


# --- the URL and where it leads -------------------------------------------------
def check_scheme(url: str):
    """The split URL; DownloadError unless it is an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise DownloadError(coded("The URL is not valid.")) from None
    if parts.scheme.lower() not in SCHEMES:
        scheme = parts.scheme or coded("none")
        raise DownloadError(coded("Only http:// and https:// URLs can be downloaded (this one's scheme is %(scheme)s).",
                                  scheme=scheme))
    if not parts.hostname:
        raise DownloadError(coded("The URL has no host."))
    if parts.username or parts.password:
        raise DownloadError(coded("Put no user name or password in the URL."))
    return parts


def resolve(url: str) -> tuple[object, list[str]]:
    """The split URL and the addresses its host resolves to, all checked.
    Raises DownloadError for a bad scheme, an unknown host or an internal
    address (unless settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL)."""
    parts = check_scheme(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise DownloadError(coded("The host %(host)s cannot be found.", host=parts.hostname)) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL:
        internal = [a for a in addresses if is_internal(a)]
        if internal:
            raise DownloadError(
                coded("The host %(host)s is an internal address (%(address)s): downloads from internal "
                      "addresses are not allowed.", host=parts.hostname, address=internal[0]))
    return parts, addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever DNS says now."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _get(url: str, timeout: float):
    """One GET of `url` (no redirect followed); returns (connection, response)."""
    parts, addresses = resolve(url)
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    last_error = None
    for address in addresses:
        cls = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        conn = cls(parts.hostname, port, address, timeout)
        try:
            conn.request("GET", path, headers={"User-Agent": "cloudadmin template download",
                                               "Accept-Encoding": "identity"})
            return conn, conn.getresponse()
        except ConnectionRefusedError as exc:
            conn.close()
            last_error = exc
        except ssl.SSLCertVerificationError as exc:
            conn.close()
            raise DownloadError(coded("The TLS certificate of %(host)s is not valid: %(reason)s",
                                      host=parts.hostname, reason=exc.verify_message or exc.reason)) from None
        except (TimeoutError, socket.timeout):
            conn.close()
            raise DownloadError(coded("%(host)s did not answer in time.", host=parts.hostname),
                                transient=True) from None
        except OSError as exc:
            conn.close()
            raise DownloadError(coded("Cannot reach %(host)s: %(reason)s",
                                      host=parts.hostname, reason=exc.strerror or type(exc).__name__),
                                transient=True) from None
    raise DownloadError(coded("Connection refused by %(host)s port %(port)s.",
                              host=parts.hostname, port=port)) from last_error


def open_url(url: str, *, timeout: float | None = None):
    """Follow redirects (each one's target checked like the URL) to a 200
    answer; returns (connection, response, final URL). DownloadError with a
    clear message otherwise."""
    timeout = timeout or settings.TEMPLATE_DOWNLOAD_TIMEOUT
    seen = []
    current = url
    while True:
        seen.append(current)
        conn, response = _get(current, timeout)
        status = response.status
        if status in REDIRECTS:
            location = response.getheader("Location")
            conn.close()
            if not location:
                raise DownloadError(coded("HTTP %(status)s redirect without a Location.", status=status))
            target = urljoin(current, location)
            if target in seen:
                raise DownloadError(coded("Redirect loop: %(url)s redirects back to %(target)s.",
                                          url=current, target=target))
            if len(seen) > settings.TEMPLATE_DOWNLOAD_MAX_REDIRECTS:
                raise DownloadError(coded("Too many redirects (more than %(count)s).",
                                          count=settings.TEMPLATE_DOWNLOAD_MAX_REDIRECTS))
            current = target
            continue
        if status == 200:
            return conn, response, current
        reason = response.reason or ""
        conn.close()
        if status == 404:
            raise DownloadError(coded("Not found: %(url)s answered HTTP 404.", url=current))
        transient = status >= 500 or status in (408, 429)
        raise DownloadError(coded("%(url)s answered HTTP %(status)s %(reason)s.",
                                  url=current, status=status, reason=reason), transient=transient)


# --- image facts -----------------------------------------------------------------
def virtual_size(path: Path, fmt: str, size: int) -> int | None:
    """The disk size the image stands for, when the format says it: the
    qcow2 header, the VHD footer; a raw image is its own size."""
    try:
        with open(path, "rb") as handle:
            if fmt == "qcow2":
                header = handle.read(32)
                if len(header) == 32 and header[:4] == b"QFI\xfb":
                    return struct.unpack(">Q", header[24:32])[0]
            elif fmt == "vhd" and size >= 512:
                handle.seek(size - 512)
                footer = handle.read(512)
                if footer[:8] == b"conectix":
                    return struct.unpack(">Q", footer[48:56])[0]
            elif fmt == "raw":
                return size
    except OSError:
        return None
    return None


def properties_values(template: Template, registration: TemplateRegistration, size: int, md5_hex: str,
                      virtual: int | None) -> dict[str, str]:
    """template.properties as CloudStack writes it for a downloaded template."""
    fmt = registration.format
    values = {
        "filename": registration.filename,
        "id": str(template.pk),
        "uniquename": registration.name,
        "description": registration.description,
        "checksum": md5_hex,
        "hvm": "true",
        "public": "true" if registration.public else "false",
        "hypervisor": registration.hypervisor,
        "size": str(size),
    }
    if virtual is not None:
        values["virtualsize"] = str(virtual)
    values.update({fmt: "true", f"{fmt}.filename": registration.filename, f"{fmt}.size": str(size)})
    if virtual is not None:
        values[f"{fmt}.virtualsize"] = str(virtual)
    return values


# --- the worker's part -----------------------------------------------------------------
def _chunks(response, total: int, limit: int):
    """The body as it arrives (progress and cancel stay live), within the
    size limit; a broken connection is a transient DownloadError."""
    count = 0
    while True:
        try:
            chunk = response.read1(CHUNK)
        except http.client.IncompleteRead as exc:
            raise DownloadError(coded("the server closed the connection after %(count)s of %(total)s bytes",
                                      count=count + len(exc.partial), total=total), transient=True) from None
        except (TimeoutError, socket.timeout):
            raise DownloadError(coded("the server stopped sending (timed out)"), transient=True) from None
        except (ConnectionError, ssl.SSLError) as exc:
            raise DownloadError(coded("the connection broke: %(error)s", error=exc.strerror or type(exc).__name__),
                                transient=True) from None
        if not chunk:
            return
        count += len(chunk)
        if count > limit:
            raise DownloadError(coded("the image is larger than the limit of %(limit)s bytes "
                                      "(TEMPLATE_DOWNLOAD_MAX_BYTES)", limit=limit))
        yield chunk


def run(transfer: Transfer, progress: Progress, store: SwiftStore | None) -> str:
    """Download the registration's URL into the zone's secondary storage
    (Swift not needed); returns the image's MD5. See the module docstring."""
    template = transfer.template
    registration = TemplateRegistration.objects.filter(template=template).first()
    if registration is None:
        raise TransferFailed(coded("this template has no registration to download"))
    nfs_store, root = layout.zone_store_root(transfer.zone)
    if not root.is_dir():
        raise TransferFailed(coded("the secondary storage %(url)s is not mounted at %(folder)s",
                                     url=nfs_store.url, folder=root))
    rel = layout.template_rel(template.account_id or ACCOUNT_ID, template.pk)
    if (root / rel / properties.FILENAME).exists():
        raise TransferFailed(coded("%(folder)s already holds a template on %(url)s", folder=rel, url=nfs_store.url))
    limit = settings.TEMPLATE_DOWNLOAD_MAX_BYTES
    conn, response, final_url = open_url(registration.url)
    try:
        length = response.getheader("Content-Length")
        total = int(length) if length and length.isdigit() else 0
        if total > limit:
            raise DownloadError(coded("the image is %(total)s bytes, more than the limit of %(limit)s bytes "
                                      "(TEMPLATE_DOWNLOAD_MAX_BYTES)", total=total, limit=limit))
        with TemplateWriter(root, rel, nfs_store, f"dnld{secrets.randbelow(10**19)}tmp_") as writer:
            for stale in writer.folder.glob("dnld*tmp_"):  # left by an attempt whose worker died
                stale.unlink(missing_ok=True)
            progress.write(force=True, bytes_total=total)
            md5_hex = writer.write_image(_chunks(response, total, limit), progress.counter())
            values = _check_download(writer, registration, template, total, md5_hex, progress)
            image = writer.commit(registration.filename, properties.serialise(values).encode("utf-8"),
                                  tag=transfer.pk)
    finally:
        conn.close()
    checked = properties.check(values, folder_id=template.pk)
    Template.objects.filter(pk=template.pk).update(
        name=checked.name, description=checked.description, filename=checked.filename, format=checked.format,
        size=checked.size, virtual_size=checked.virtual_size, checksum=checked.checksum, properties=values,
        updated=timezone.now())
    record_ready(template, transfer.zone, nfs_store, rel, image)
    if final_url != registration.url:
        logger.info("transfer %s: %s was redirected to %s", transfer.pk, registration.url, final_url)
    return md5_hex


def _check_download(writer: TemplateWriter, registration: TemplateRegistration, template: Template, total: int,
                    md5_hex: str, progress: Progress) -> dict[str, str]:
    """Size and checksum of what arrived; returns its template.properties."""
    count = writer.size
    if total and count != total:
        raise DownloadError(coded("the server sent %(count)s of %(total)s bytes", count=count, total=total),
                            transient=True)
    progress.write(force=True, state=Transfer.State.VERIFYING, bytes_total=count)
    if registration.checksum and registration.checksum != md5_hex:
        raise DownloadError(coded("checksum mismatch: expected %(expected)s, the downloaded image's MD5 is %(md5)s",
                                  expected=registration.checksum, md5=md5_hex))
    virtual = virtual_size(writer.temp, registration.format, count)
    return properties_values(template, registration, count, md5_hex, virtual)


def pushed_by_client(transfer: Transfer, progress: Progress, store: SwiftStore | None) -> str:
    """The runner of direction BROWSER: its bytes come from the browser, so
    a worker handed such a row can only fail it."""
    raise TransferFailed(coded("an upload from the browser cannot be run by a worker: upload the file again"))


def after_download(transfer: Transfer) -> Transfer | None:
    """The template is on the zone's NFS: copy it to Swift like any other
    (when Swift is configured). The upload's end copies it to the other
    zones (storage.transfers.replication)."""
    if not SwiftStore.objects.exists():
        return None
    location = TemplateLocation.objects.filter(template_id=transfer.template_id, zone=transfer.zone).first()
    if location is None or location.state != TemplateLocation.State.READY:
        return None
    return queueing.enqueue_upload(transfer.template, transfer.zone, source_size=location.image_size,
                                   source_mtime=location.image_mtime)
