"""Templates > Upload from local: the page, the tus 1.0 endpoint (core,
creation, termination, expiration; behind login and CSRF, each upload
visible to its user only) with a last POST carrying the browser's MD5, and
the CloudStack-style POST of getUploadParamsForTemplate's postURL
(storage.catalog.uploads does the work)."""
from __future__ import annotations

import base64
import binascii
import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from storage.catalog import uploads
from storage.models import BrowserUpload
from storage.web import raw_body
from storage.web.forms import TemplateUploadForm

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"


def tus_response(status: int = 204, body: str = "", **headers) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = str(value)
    return response


def refusal(refused: uploads.UploadRefused) -> HttpResponse:
    return tus_response(refused.status, str(refused))


def parse_metadata(header: str) -> dict[str, str]:
    """tus Upload-Metadata: comma-separated `key base64(value)` pairs."""
    values = {}
    for pair in filter(None, (item.strip() for item in header.split(","))):
        key, _sep, encoded = pair.partition(" ")
        try:
            values[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise uploads.UploadRefused(_("Upload-Metadata is not valid.")) from None
    return values


def header_int(request, name: str) -> int:
    value = request.headers.get(name, "")
    if not value.isdigit():
        raise uploads.UploadRefused(_("The %(header)s header must be a number of bytes.") % {"header": name})
    return int(value)


class TemplateUploadView(View):
    """The page: the form, the file, and the progress the browser drives."""

    def get(self, request):
        texts = {"sending": _("Sending…"), "paused": _("Paused."), "offline": _("Network lost: resuming when it is back."),
                 "verifying": _("Verifying the MD5, size and format…"), "done": _("Uploaded."),
                 "failed": _("The upload failed."), "cancelled": _("Cancelled: the partial file was removed."),
                 "noFile": _("Choose a file or drop it on the page.")}
        return render(request, "storage/template_upload.html", {"form": TemplateUploadForm(), "upload_texts": texts})


class TusView(View):
    """Answers OPTIONS (tus discovery) and refuses a request of another
    tus version (412); refusals answer their status with the reason."""

    def options(self, request, *args, **kwargs):
        return tus_response(204, Tus_Version=TUS_VERSION, Tus_Extension=TUS_EXTENSIONS,
                            Tus_Max_Size=settings.TEMPLATE_UPLOAD_MAX_BYTES)

    def dispatch(self, request, *args, **kwargs):
        if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != TUS_VERSION:
            return tus_response(412, _("Tus-Resumable 1.0.0 is required."), Tus_Version=TUS_VERSION)
        try:
            return super().dispatch(request, *args, **kwargs)
        except uploads.UploadRefused as refused:
            return refusal(refused)

    def upload_of(self, request, upload_id) -> BrowserUpload:
        """The user's own upload (another user's is a 404, as a missing one)."""
        upload = BrowserUpload.objects.select_related("transfer__zone", "transfer__template").filter(
            uuid=upload_id, user=request.user).first()
        if upload is None:
            raise Http404()
        return upload


class TusCreateView(TusView):
    """tus creation: Upload-Length and the form's fields as Upload-Metadata."""

    def post(self, request):
        length = header_int(request, "Upload-Length")
        form = TemplateUploadForm(parse_metadata(request.headers.get("Upload-Metadata", "")))
        if not form.is_valid():
            return tus_response(400, " ".join(f"{form[name].label if name in form.fields else ''}: {message}"
                                              for name, errors in form.errors.items() for message in errors))
        data = form.cleaned_data
        upload = uploads.create(
            user=request.user, zone=data["zone"], length=length, name=data["name"],
            description=data["description"], format=data["format"], hypervisor=data["hypervisor"],
            checksum=data["checksum"], public=data["public"], featured=data["featured"],
            extractable=data["extractable"], cross_zones=data["every_zone"])
        location = request.build_absolute_uri(reverse("storage:template_upload_tus", args=[upload.uuid]))
        return tus_response(201, Location=location, Upload_Expires=http_date(uploads.expires_at(upload).timestamp()),
                            X_Template_Id=upload.transfer.template_id)


class TusUploadView(TusView):
    """tus core (HEAD, PATCH) and termination (DELETE) of one upload."""

    def head(self, request, upload_id):
        upload = self.upload_of(request, upload_id)
        return tus_response(200, Upload_Offset=upload.offset, Upload_Length=upload.length,
                            Upload_Expires=http_date(uploads.expires_at(upload).timestamp()))

    def patch(self, request, upload_id):
        upload = self.upload_of(request, upload_id)
        if request.content_type != "application/offset+octet-stream":
            return tus_response(415, _("A PATCH sends application/offset+octet-stream."))
        offset, count = header_int(request, "Upload-Offset"), header_int(request, "Content-Length")
        token = uploads.take(upload)
        try:
            written = uploads.append(upload, token, offset, raw_body.body_reader(request), count)
        finally:
            uploads.release(upload, token)
        upload.refresh_from_db(fields=["offset"])
        return tus_response(204, Upload_Offset=written,
                            Upload_Expires=http_date(uploads.expires_at(upload).timestamp()))

    def delete(self, request, upload_id):
        uploads.terminate(self.upload_of(request, upload_id), user=request.user)
        return tus_response(204)


class TusCompleteView(TusView):
    """The last step (ours, after tus): the browser's MD5 (POST `md5`); the
    file is verified and becomes the template, or the upload fails (422)."""

    def post(self, request, upload_id):
        upload = self.upload_of(request, upload_id)
        client_md5 = request.POST.get("md5", "").strip().lower()
        if not re.fullmatch(r"[0-9a-f]{32}", client_md5):
            return tus_response(400, _("Send the file's MD5 (32 hexadecimal digits) as md5."))
        token = uploads.take(upload)
        try:
            template = uploads.complete(upload, token, client_md5)
        finally:
            uploads.release(upload, token)
        return JsonResponse({"template": template.pk, "md5": template.checksum,
                             "url": reverse("storage:template", args=[template.pk])})


class NFSUploadHandler(FileUploadHandler):
    """The `file` field of a CloudStack-style POST, streamed into the
    upload's file as it is parsed (storage.catalog.upload_files.Appender)."""

    chunk_size = uploads.CHUNK

    def __init__(self, upload: BrowserUpload, token):
        super().__init__()
        self.upload, self.token, self.appender, self.size = upload, token, None, None

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        if field_name == "file" and self.appender is None:
            self.appender = uploads.appender(self.upload, self.token, 0)

    def receive_data_chunk(self, raw_data, start):
        if self.appender is None or self.size is not None:
            return None
        self.appender.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.appender is not None and self.size is None:
            self.size = self.appender.close()
        return None

    def upload_interrupted(self):
        if self.appender is not None and self.size is None:
            self.appender.close()


@method_decorator([csrf_exempt, login_not_required], name="dispatch")
class CloudStackPostView(View):
    """postURL of getUploadParamsForTemplate: a multipart POST whose `file`
    is the image, authenticated by CloudStack's X-signature, X-metadata and
    X-expires headers (no session, no CSRF token)."""

    def post(self, request, upload_id):
        try:
            upload = uploads.check_post(upload_id, request.build_absolute_uri(request.path),
                                        request.headers.get("X-signature"), request.headers.get("X-metadata"),
                                        request.headers.get("X-expires"))
            uploads.check_length(header_int(request, "Content-Length"), uploads.folder_of(upload)[1])
            token = uploads.take(upload)
            try:
                handler = NFSUploadHandler(upload, token)
                request.upload_handlers = [handler]
                request.POST  # noqa: B018 - parses the body through the handler
                if handler.size is None:
                    raise uploads.UploadRefused(_("The POST has no file field named file."))
                upload.refresh_from_db(fields=["offset"])
                template = uploads.complete(upload, token, None)
            finally:
                uploads.release(upload, token)
        except uploads.UploadRefused as refused:
            return HttpResponse(str(refused), status=refused.status, content_type="text/plain; charset=utf-8")
        except StopUpload:
            return HttpResponse(_("The upload stopped."), status=400, content_type="text/plain; charset=utf-8")
        return HttpResponse(_("Template %(id)s uploaded.") % {"id": template.pk},
                            content_type="text/plain; charset=utf-8")
