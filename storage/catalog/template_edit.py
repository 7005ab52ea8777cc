"""Edit template (the page and updateTemplate): the row changes at once,
and when its name, display text or public flag changed, a PROPERTIES
transfer writes them into template.properties of every copy. Featured,
password enabled, extractable and the OS type are CloudStack database
fields: the row holds them, as it holds "every zone" (cross_zones), which
queues the copies to the zones lacking the template once it is turned on."""
from __future__ import annotations

from django.db import transaction

from cloudadmin import events
from cloudadmin.messages import coded, listed
from storage.models import GuestOsType, Template, TemplateLocation, Transfer
from storage.transfers import queueing, replication
from zones.models import Zone

# Row field -> how the audit names it.
ROW_FIELDS = {"name": coded("name"), "description": coded("display text"), "os_type": coded("OS type"),
              "featured": coded("featured"), "password_enabled": coded("password enabled"),
              "extractable": coded("extractable"), "cross_zones": coded("every zone setting")}
# Form field -> its template.properties key (CloudStack's).
PROPERTY_KEYS = {"name": "uniquename", "description": "description", "public": "public"}
DEFAULT_OS_TYPE = "Other (64-bit)"


def os_type_of(template: Template) -> GuestOsType | None:
    """The template's OS type; CloudStack's default when none was chosen."""
    return template.os_type or GuestOsType.objects.filter(name=DEFAULT_OS_TYPE).first()


def is_public(template: Template) -> bool:
    return template.properties.get("public") == "true"


def current_values(template: Template) -> dict:
    """The form's initial values."""
    return {"name": template.name, "description": template.description, "os_type": os_type_of(template),
            "public": is_public(template), "featured": template.featured,
            "password_enabled": template.password_enabled, "extractable": template.extractable,
            "cross_zones": template.cross_zones}


def _zone_for(template: Template):
    """The zone a PROPERTIES transfer is listed under: one holding a copy."""
    location = (template.locations.filter(state=TemplateLocation.State.READY).select_related("zone")
                .order_by("zone__name").first())
    return location.zone if location is not None else Zone.objects.order_by("name").first()


def edit(template: Template, changes: dict, *, user=None) -> tuple[list[str], Transfer | None]:
    """Apply `changes` (keys of current_values; absent ones stay). Returns
    the keys that changed and the transfer that writes
    template.properties (None when nothing there changed or one is queued)."""
    with transaction.atomic():
        template = Template.objects.select_for_update().get(pk=template.pk)
        before = current_values(template)
        changed = [key for key, value in changes.items() if before.get(key) != value]
        if not changed:
            return [], None
        for key in changed:
            if key in ROW_FIELDS:
                setattr(template, key, changes[key])
        props = dict(template.properties)
        for key, prop in PROPERTY_KEYS.items():
            if key in changed:
                value = changes[key]
                props[prop] = ("true" if value else "false") if isinstance(value, bool) else value
        template_props_before, template.properties = template.properties, props
        template.save()
        events.record("template.edit", user=user, target=template.swift_container,
                      detail=coded("changed %(fields)s", fields=listed([ROW_FIELDS.get(key, key) for key in changed])))
        transfer = None
        zone = _zone_for(template)
        if props != template_props_before and zone is not None:
            transfer = queueing.enqueue_properties_update(template, zone, user=user)
    if "cross_zones" in changed and template.cross_zones:
        replication.replicate_template(template.pk)  # turned off, the copies made stay
    return changed, transfer
