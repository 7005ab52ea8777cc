"""Register template, the web request's part: allocate a template id greater
than any id seen anywhere, create the Template, its TemplateRegistration
and a Transfer with direction DOWNLOAD, enqueued on commit (the worker's
part is storage.transfers.downloads)."""
from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Max

from cloudadmin import events
from cloudadmin.messages import coded
from storage.models import SecondaryStorage, SwiftStore, Template, TemplateRegistration
from storage.secondary import layout, nfs, properties
from storage.swift import client as swift
from storage.transfers import queueing
from storage.transfers.downloads import ACCOUNT_ID

logger = logging.getLogger(__name__)


def _highest_in_swift() -> int:
    """The highest id of a T-<id> container in Swift, 0 when there is none
    or Swift cannot be asked now."""
    store = SwiftStore.objects.first()
    if store is None:
        return 0
    try:
        with swift.store_connection(store, timeout=10) as conn:
            containers = swift.list_containers(conn, prefix="T-")
    except swift.SwiftError as exc:
        logger.warning("template ids: Swift not consulted: %s", exc)
        return 0
    return max((properties.parse_id(c["name"][2:]) or 0 for c in containers), default=0)


def highest_known_id() -> int:
    """The highest template id seen anywhere: the database (every id any scan
    found), every zone's secondary storage now, and Swift's T-<id> containers."""
    highest = Template.objects.aggregate(m=Max("id"))["m"] or 0
    for store in SecondaryStorage.objects.all():
        highest = max(highest, layout.highest_template_id(nfs.local_path(store.server, store.path)))
    return max(highest, _highest_in_swift())


def new_template(**fields) -> Template:
    """A new Template of the admin account with an id greater than any seen
    anywhere (Register template, Upload from local)."""
    template_id = highest_known_id() + 1
    while True:  # two new templates at once: the second takes the next id
        try:
            with transaction.atomic():
                return Template.objects.create(id=template_id, account_id=ACCOUNT_ID, **fields)
        except IntegrityError:
            template_id += 1


def register(*, name: str, description: str, url: str, zone, format: str, hypervisor: str,
             checksum: str = "", public: bool = False, user=None, **flags) -> TemplateRegistration:
    """Create the template with a new id and queue its download. Runs in the
    caller's transaction; the download is enqueued when it commits. `flags`:
    what only CloudStack's database keeps (registerTemplate's os_type,
    featured, extractable, password_enabled) and cross_zones."""
    fmt = format.lower()
    username = events.username_of(user)
    with transaction.atomic():
        template = new_template(name=name, description=description, format=fmt, checksum=checksum.lower(),
                                **flags)
        registration = TemplateRegistration.objects.create(
            template=template, zone=zone, url=url, name=name, description=description, format=fmt,
            hypervisor=hypervisor, checksum=checksum.lower(), public=public,
            filename=f"{uuid.uuid4()}.{fmt}", requested_by=username)
        queueing.enqueue_url_download(template, zone, user=user)
        events.record("template.register", user=user, target=f"T-{template.pk}",
                      detail=coded("%(name)s from %(url)s to zone %(zone)s", name=name, url=url, zone=zone.name))
    return registration
