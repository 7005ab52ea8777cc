"""Download a template: the button (POST) makes a fresh time-limited link,
a Swift TempURL that Swift serves, and redirects to the page that shows it
(a link, not a redirect to Swift: CSP's form-action keeps form submissions
on this site). Where Swift has no tempurl, the link is TemplateImageView's,
which streams the image from Swift through the app with Range support (206,
Content-Range)."""
import re
import time

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from storage.catalog import extract
from storage.models import SwiftStore, Template
from storage.swift import client as swift
from storage.swift import download_links
from storage.web.transfer_views import refuse

SINGLE_RANGE = re.compile(r"bytes=(\d+-\d*|-\d+)")
RELAYED = ("content-length", "content-range", "etag", "last-modified")


def _session_key(pk) -> str:
    return f"template-download-{pk}"


class TemplateExtractView(View):
    """GET: the template's last link while it is valid (kept in the session),
    else the button; POST: a new link, then back to GET (PRG)."""

    page = "storage/template_download.html"

    def get(self, request, pk):
        template = get_object_or_404(Template, pk=pk)
        link = request.session.get(_session_key(template.pk))
        if link is not None and link["expires"] <= time.time():
            link = None
        return render(request, self.page, {"template": template, "link": link,
                                           "expires": link and extract.as_datetime(link["expires"])})

    def post(self, request, pk):
        template = get_object_or_404(Template, pk=pk)
        try:
            link = extract.extract(template, user=request.user)
        except extract.ExtractRefused as refused:
            return refuse(request, "template.extract", template.swift_container, str(refused))
        except swift.SwiftError as error:
            return refuse(request, "template.extract", template.swift_container,
                          _("Swift cannot make the link: %(error)s") % {"error": error})
        request.session[_session_key(template.pk)] = {"url": link.url, "expires": link.expires.timestamp(),
                                                      "swift": link.served_by_swift}
        return redirect("storage:template_extract", pk=template.pk)


def _refused(request, message, status):
    return render(request, "storage/action_refused.html", {"message": message, "level": "danger",
                                                           "back": "/templates/"}, status=status)


class TemplateImageView(View):
    """The image through the app, for a Swift without tempurl; the link's
    signed token says which template and until when."""

    def get(self, request, pk):
        template = get_object_or_404(Template, pk=pk)
        if not extract.check_app_link(template.pk, request.GET.get("token", "")):
            return _refused(request, _("This download link has expired or is not valid: ask for a new one."), 403)
        store = SwiftStore.objects.first()
        if store is None or not template.extractable or not template.filename:
            return _refused(request, _("This template cannot be downloaded now."), 409)
        byte_range = request.headers.get("Range", "").replace(" ", "")
        conn = swift.connect(swift.Credentials.from_store(store))
        try:
            swift.authenticate(conn)
            headers, chunks = download_links.open_image(conn, template.swift_container, template.filename,
                                                        byte_range if SINGLE_RANGE.fullmatch(byte_range) else None)
        except swift.SwiftError as error:
            conn.close()
            if error.status == 416:
                return _refused(request, _("The requested range is outside the image."), 416)
            return _refused(request, _("Swift cannot be read: %(error)s") % {"error": error}, 502)
        response = StreamingHttpResponse(_closing(chunks, conn), status=206 if "content-range" in headers else 200,
                                         content_type="application/octet-stream")
        for name in RELAYED:
            if name in headers:
                response[name] = headers[name]
        response["Accept-Ranges"] = "bytes"
        response["Content-Disposition"] = f'attachment; filename="{template.filename}"'
        return response


def _closing(chunks, conn):
    try:
        yield from chunks
    finally:
        conn.close()
