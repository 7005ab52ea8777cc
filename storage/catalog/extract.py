"""Download (extractTemplate): a time-limited link to a template's image in
Swift. Where Swift offers tempurl, a TempURL that Swift itself serves; else
a signed link to this app (`storage:template_image`, login required too)
that streams the image from Swift with Range support. Only an extractable
template stored in Swift gets one; each link is an audit event."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cloudadmin import config, events
from cloudadmin.messages import coded
from storage.models import SwiftStore, Template
from storage.swift import client as swift
from storage.swift import download_links

SALT = "storage.template-image"
NOT_EXTRACTABLE = _("Template %(id)s is not extractable: tick Extractable in Edit template first.")
NOT_IN_SWIFT = _("Template %(id)s is not in Swift yet: it can be downloaded once its copy to Swift is done.")
NO_SWIFT = _("Swift is not configured.")


class ExtractRefused(Exception):
    """No link for this template now; the message says why (safe to show)."""


@dataclass
class DownloadLink:
    url: str  # absolute for a TempURL, a path of this app otherwise
    expires: datetime
    served_by_swift: bool


def as_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, dt_timezone.utc)


def _check(template: Template) -> SwiftStore:
    if not template.extractable:
        raise ExtractRefused(NOT_EXTRACTABLE % {"id": template.pk})
    if template.swift_state != Template.SwiftState.STORED or not template.filename:
        raise ExtractRefused(NOT_IN_SWIFT % {"id": template.pk})
    store = SwiftStore.objects.first()
    if store is None:
        raise ExtractRefused(str(NO_SWIFT))
    return store


def app_link(template: Template, expires: int) -> str:
    token = signing.Signer(salt=SALT).sign(f"{template.pk}:{expires}")
    return f"{reverse('storage:template_image', args=[template.pk])}?token={token}"


def check_app_link(template_id: int, token: str) -> bool:
    """Whether `token` is this template's app link, not yet expired."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return False
    pk, _sep, expires = value.partition(":")
    return pk == str(template_id) and expires.isdigit() and int(expires) > time.time()


def extract(template: Template, *, user=None) -> DownloadLink:
    """A new link; ExtractRefused with the reason, SwiftError when Swift fails."""
    store = _check(template)
    seconds = config.value("extract.url.expiration.interval")
    expires = int(time.time()) + seconds
    with swift.store_connection(store) as conn:
        if download_links.tempurl_offered(conn):
            key, key_set = download_links.ensure_key(conn, store)
            if key_set:
                events.record("swift.tempurl.key", user=user, target=store.url,
                              detail=coded("the account's Temp-URL-Key set for Download links"))
            link = DownloadLink(download_links.temp_url(conn.url, template.swift_container, template.filename,
                                                        key, seconds),
                                datetime.fromtimestamp(expires, dt_timezone.utc), True)
        else:
            link = DownloadLink(app_link(template, expires), datetime.fromtimestamp(expires, dt_timezone.utc),
                                False)
    events.record("template.extract", user=user, target=template.swift_container,
                  detail=coded("Swift TempURL valid %(seconds)s s", seconds=seconds) if link.served_by_swift
                  else coded("link through the app valid %(seconds)s s", seconds=seconds))
    return link
