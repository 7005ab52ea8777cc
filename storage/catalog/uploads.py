"""Templates > Upload from local: the server's side of an upload pushed by
the browser (tus, storage.web.upload_views) or by a CloudStack-style POST.

- `create`: a new template id, its folder on the zone's NFS holding an empty
  `dnld<random>tmp_` (where CloudStack's own upload writes; the scanner
  skips it), a BrowserUpload row and a Transfer of direction BROWSER that
  shows it on the dashboard.
- `append`: one request's bytes at the stored offset, streamed to the file
  (storage.catalog.upload_files: fsynced, and only then counted in the
  database: offset, the transfer's bytes, rate and heartbeat). A broken
  request keeps what reached the disk; the next one resumes there.
- `complete`: the client's MD5, the server's and the typed one compared,
  then size and format; only then the file takes its name and
  template.properties is written last (storage.secondary.writer), and the
  pipeline copies it to Swift and every zone. A mismatch fails the upload
  and removes the file.

The server's MD5 is kept in this process (`upload_files.HASHES`, by upload
and offset); a request that finds none for its offset (another process, a
restart) re-hashes the file from disk up to the offset first.

One request at a time writes an upload: it takes the transfer's claim (and
gives it back at its end); a claim whose heartbeat is older than
TRANSFER_STALE_SECONDS belonged to a request that died.
"""
from __future__ import annotations

import base64
import json
import secrets
import shutil
import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from cloudadmin import events
from cloudadmin.messages import coded
from storage.catalog.registration import new_template
from storage.failures import TransferFailed
from storage.models import BrowserUpload, Template, Transfer
from storage.secondary import layout, properties
from storage.secondary.writer import TemplateWriter, make_template_folder, record_ready
from storage.transfers import downloads, lifecycle, queueing
from storage.catalog import upload_files as files
from storage.catalog.upload_files import CHUNK, UploadRefused  # noqa: F401 - the views' names

FORMATS = ("vhd", "qcow2", "ova", "raw", "iso")
# Formats whose header the server reads before accepting the image.
HEADER_CHECKED = ("qcow2", "vhd")


def folder_of(upload: BrowserUpload) -> tuple[object, Path, str]:
    store, root = layout.zone_store_root(upload.transfer.zone)
    return store, root, layout.template_rel(upload.transfer.template.account_id, upload.transfer.template_id)


def temp_path(upload: BrowserUpload) -> Path:
    _store, root, rel = folder_of(upload)
    return root / rel / upload.temp_name


def check_length(length: int, root: Path) -> None:
    """413 with the reason for an upload over the limit or the free space."""
    limit = settings.TEMPLATE_UPLOAD_MAX_BYTES
    if length > limit:
        raise UploadRefused(_("The file is %(size)s bytes, more than the limit of %(limit)s bytes "
                              "(TEMPLATE_UPLOAD_MAX_BYTES).") % {"size": length, "limit": limit}, 413)
    free = shutil.disk_usage(root).free
    if length > free:
        raise UploadRefused(_("The file is %(size)s bytes, more than the %(free)s bytes free on the zone's "
                              "secondary storage.") % {"size": length, "free": free}, 413)


def create(*, user, zone, length: int | None, name: str, description: str, format: str, hypervisor: str,
           checksum: str = "", public=False, featured=False, extractable=False,
           cross_zones=False) -> BrowserUpload:
    """A new upload of `length` bytes (None: told by the request that sends
    them) into `zone`. UploadRefused (413) over the limit or the free space."""
    fmt = format.lower()
    if fmt not in FORMATS:
        raise UploadRefused(_("The format %(format)s cannot be uploaded.") % {"format": format})
    try:
        store, root = layout.zone_store_root(zone)
    except TransferFailed:  # the zone has no secondary storage
        store, root = None, None
    if root is None or not root.is_dir():
        raise UploadRefused(_("The secondary storage of zone %(zone)s is not available.") % {"zone": zone.name}, 409)
    if length is not None:
        check_length(length, root)
    # featured and extractable live on the template row (listTemplates, Edit template), as Register's do.
    template = new_template(name=name, description=description, format=fmt, checksum=checksum.lower(),
                            featured=featured, extractable=extractable, cross_zones=cross_zones)
    rel = layout.template_rel(template.account_id, template.pk)
    try:
        folder, _created = make_template_folder(root, rel, store)
        temp_name = f"dnld{secrets.randbelow(10**19)}tmp_"
        (folder / temp_name).touch()
    except TransferFailed as exc:
        template.delete()
        raise UploadRefused(str(exc), 409) from None
    transfer = queueing.start_pushed(template, zone, user=user, bytes_total=length or 0)
    upload = BrowserUpload.objects.create(
        user=user, transfer=transfer, length=length, temp_name=temp_name, filename=f"{uuid.uuid4()}.{fmt}",
        name=name, description=description, format=fmt, hypervisor=hypervisor, checksum=checksum.lower(),
        public=public, featured=featured, extractable=extractable)
    events.record("template.upload", user=user, target=f"T-{template.pk}",
                  detail=coded("%(name)s (%(length)s bytes) to zone %(zone)s", name=name,
                               length=length if length is not None else "?", zone=zone.name))
    return upload


def expires_at(upload: BrowserUpload):
    last = upload.transfer.heartbeat or upload.created
    return last + timedelta(hours=settings.UPLOAD_EXPIRY_HOURS)


# --- one request at a time --------------------------------------------------------
def take(upload: BrowserUpload) -> uuid.UUID:
    """The transfer's claim for this request; UploadRefused (423) while
    another request writes, (404) once the upload ended."""
    token = uuid.uuid4()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.TRANSFER_STALE_SECONDS)
    taken = Transfer.objects.filter(pk=upload.transfer_id, state=Transfer.State.RUNNING).filter(
        Q(claim__isnull=True) | Q(heartbeat__lt=stale)).update(claim=token, heartbeat=now, updated=now)
    if taken:
        return token
    state = Transfer.objects.filter(pk=upload.transfer_id).values_list("state", flat=True).first()
    if state != Transfer.State.RUNNING:
        discard(upload)
        raise UploadRefused(_("This upload has ended."), 404)
    raise UploadRefused(_("Another request is writing this upload; try again."), 423)


def release(upload: BrowserUpload, token) -> None:
    Transfer.objects.filter(pk=upload.transfer_id, claim=token).update(claim=None, rate=0)


# --- the end ----------------------------------------------------------------------
def _problem(upload: BrowserUpload, path: Path, size: int, server_md5: str, client_md5: str | None):
    """What is wrong with the received file, coded (it is the transfer's
    reason and the audit's: cloudadmin.messages), or ""."""
    if upload.length is not None and size != upload.length:
        return coded("the file is %(size)s bytes, %(announced)s were announced", size=size, announced=upload.length)
    if client_md5 is not None and client_md5 != server_md5:
        return coded("the MD5 the browser computed (%(browser)s) differs from the server's (%(server)s)",
                     browser=client_md5, server=server_md5)
    if upload.checksum and upload.checksum != server_md5:
        return coded("checksum mismatch: the MD5 typed is %(typed)s, the uploaded file's is %(md5)s",
                     typed=upload.checksum, md5=server_md5)
    if upload.format in HEADER_CHECKED and downloads.virtual_size(path, upload.format, size) is None:
        return coded("the file is not a %(format)s image (its header is not one)", format=upload.format.upper())
    return ""


def appender(upload: BrowserUpload, token, offset: int) -> files.Appender:
    """The writer of one request's bytes at `offset` (409 unless it is the stored one)."""
    return files.Appender(upload, token, offset, temp_path(upload))


def append(upload: BrowserUpload, token, offset: int, readinto, count: int) -> int:
    """Write `count` bytes from readinto(view) at `offset`; returns the new offset."""
    return files.append(appender(upload, token, offset), readinto, count)


def complete(upload: BrowserUpload, token, client_md5: str | None) -> Template:
    """Verify the whole file and make it the template (see the module
    docstring). UploadRefused (409) before the last byte; (422) with the
    reason when it does not verify, after failing the upload."""
    if upload.length is None:
        upload.length = upload.offset
        Transfer.objects.filter(pk=upload.transfer_id).update(bytes_total=upload.offset)
    if upload.offset != upload.length:
        raise UploadRefused(_("%(done)s of %(total)s bytes received: the upload is not complete.")
                            % {"done": upload.offset, "total": upload.length}, 409)
    path = temp_path(upload)
    md5_hex = files.hash_at(upload, path, upload.offset).hexdigest()
    problem = _problem(upload, path, path.stat().st_size, md5_hex, client_md5 and client_md5.lower())
    if problem:
        fail(upload, token, problem)
        raise UploadRefused(_("The upload failed: %(reason)s") % {"reason": problem}, 422)
    transfer = upload.transfer
    template = transfer.template
    store, root, rel = folder_of(upload)
    virtual = downloads.virtual_size(path, upload.format, upload.length)
    values = downloads.properties_values(template, upload, upload.length, md5_hex, virtual)
    try:
        with TemplateWriter(root, rel, store, upload.temp_name) as writer:
            image = writer.commit(upload.filename, properties.serialise(values).encode("utf-8"), tag=transfer.pk)
    except TransferFailed as exc:  # the writer removed what it wrote
        fail(upload, token, exc)
        raise UploadRefused(_("The upload failed: %(reason)s") % {"reason": exc}, 507) from None
    checked = properties.check(values, folder_id=template.pk)
    Template.objects.filter(pk=template.pk).update(
        filename=checked.filename, size=checked.size, virtual_size=checked.virtual_size, checksum=md5_hex,
        properties=values, updated=timezone.now())
    record_ready(template, transfer.zone, store, rel, image)
    files.HASHES.pop(upload.uuid, None)
    upload.delete()
    lifecycle.end_pushed(transfer, token, md5_hex=md5_hex)
    template.refresh_from_db()
    return template


def discard(upload: BrowserUpload) -> None:
    """Remove the partial file, the folder when nothing else is in it, and the row."""
    try:
        path = temp_path(upload)
        path.unlink(missing_ok=True)
        path.parent.rmdir()
    except OSError:
        pass  # a folder holding something else stays
    except TransferFailed:
        pass  # the zone lost its secondary storage: the row goes all the same
    files.HASHES.pop(upload.uuid, None)
    BrowserUpload.objects.filter(pk=upload.pk).delete()


def fail(upload: BrowserUpload, token, reason) -> None:
    """End the upload failed with `reason` (coded, cloudadmin.messages, or an error carrying one)."""
    discard(upload)
    lifecycle.end_pushed(upload.transfer, token, error=reason)


def terminate(upload: BrowserUpload, *, user) -> None:
    """Cancel (tus termination, the page's Cancel): the partial file goes."""
    try:
        queueing.cancel(upload.transfer, user=user)
    except queueing.TransferRefused:
        pass  # it had ended already: only the file and the row are left to remove
    discard(upload)


def expire_abandoned(now=None) -> int:
    """The beat task: remove the uploads that received nothing for
    UPLOAD_EXPIRY_HOURS (their transfer fails) or whose transfer ended
    (cancelled from the dashboard). Returns how many went."""
    now = now or timezone.now()
    limit = now - timedelta(hours=settings.UPLOAD_EXPIRY_HOURS)
    removed = 0
    for upload in BrowserUpload.objects.select_related("transfer__zone", "transfer__template").filter(
            Q(transfer__heartbeat__lt=limit) | ~Q(transfer__state=Transfer.State.RUNNING)):
        if upload.transfer.state == Transfer.State.RUNNING:
            token = uuid.uuid4()
            if not Transfer.objects.filter(pk=upload.transfer_id, heartbeat__lt=limit).update(claim=token):
                continue  # a request wrote meanwhile
            fail(upload, token, coded("abandoned: no bytes for %(hours)s hours",
                                      hours=f"{settings.UPLOAD_EXPIRY_HOURS:g}"))
        else:
            discard(upload)
        removed += 1
    return removed


# --- CloudStack's POST (getUploadParamsForTemplate) ------------------------------
def post_params(upload: BrowserUpload, post_url: str) -> dict[str, str]:
    """metadata, expires and signature as CloudStack's answer carries them:
    the signature is an HMAC-SHA1 of metadata + URL + expires (base64)."""
    metadata = base64.b64encode(json.dumps({"upload": str(upload.uuid)}).encode()).decode()
    expires = expires_at(upload).astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"metadata": metadata, "expires": expires, "signature": post_signature(metadata, post_url, expires)}


def post_signature(metadata: str, post_url: str, expires: str) -> str:
    digest = salted_hmac("cloudadmin.upload.post", metadata + post_url + expires, algorithm="sha1").digest()
    return base64.b64encode(digest).decode()


def check_post(upload_id: uuid.UUID, post_url: str, signature: str, metadata: str, expires: str) -> BrowserUpload:
    """The upload a CloudStack-style POST is for, when its headers are the
    ones getUploadParamsForTemplate gave; UploadRefused (403) otherwise."""
    if not constant_time_compare(signature or "", post_signature(metadata or "", post_url, expires or "")):
        raise UploadRefused(_("The signature does not match (X-signature, X-metadata, X-expires)."), 403)
    try:
        named = json.loads(base64.b64decode(metadata))["upload"]
        deadline = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=dt_timezone.utc)
    except (ValueError, KeyError, TypeError):
        raise UploadRefused(_("The metadata or the expiry cannot be read."), 403) from None
    if named != str(upload_id) or deadline < timezone.now():
        raise UploadRefused(_("These upload parameters are for another upload or have expired."), 403)
    upload = BrowserUpload.objects.select_related("transfer__zone", "transfer__template", "user").filter(
        uuid=upload_id).first()
    if upload is None:
        raise UploadRefused(_("This upload has ended."), 404)
    return upload
