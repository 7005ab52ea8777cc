"""Global Settings: the declared settings, their types, and their values.

Read a setting with `value(name)`: the typed value in effect now. Every
setting declared here must have a real effect somewhere in the code.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy

from . import events
from .messages import coded
from .models import GlobalSetting

Type = GlobalSetting.Type


@dataclass(frozen=True)
class Definition:
    name: str
    category: str
    type: str
    default: str
    description: str
    requires_restart: bool = False
    minimum: int | None = None
    maximum: int | None = None


DEFINITIONS = {d.name: d for d in [
    Definition("enable.swift", "Storage", Type.BOOLEAN, "false",
               gettext_lazy("Use OpenStack Swift as cloud-wide secondary storage for templates. "
                            "Swift must then be added before any zone."), requires_restart=True),
    Definition("swift.sync.interval", "Storage", Type.INTEGER, "300",
               gettext_lazy("Seconds between scans of each enabled zone's secondary storage for "
                            "templates to copy to Swift."), minimum=10, maximum=86400),
    Definition("swift.segment.size", "Storage", Type.INTEGER, str(256 * 1024 * 1024),
               gettext_lazy("Segment size in bytes for large uploads: a larger template is stored in "
                            "Swift as a Static Large Object of segments this size."),
               minimum=1024 * 1024, maximum=5 * 1024**3),
    Definition("swift.transfer.concurrency", "Storage", Type.INTEGER, "4",
               gettext_lazy("Segments of one template uploaded to Swift in parallel."), minimum=1, maximum=32),
    Definition("swift.replicate.to.all.zones", "Storage", Type.BOOLEAN, "true",
               gettext_lazy("Copy every template in Swift to the secondary storage of every enabled zone "
                            "that lacks it, including zones enabled later. When false, templates reach "
                            "other zones only through Copy to zone.")),
    Definition("extract.url.expiration.interval", "Storage", Type.INTEGER, "14400",
               gettext_lazy("Seconds a template's Download link (a Swift TempURL, or a link through this "
                            "app where Swift has no tempurl) keeps working."), minimum=1, maximum=7 * 86400),
]}

# Categories as the Global Settings page names them (rows store the key).
CATEGORY_LABELS = {
    "Storage": gettext_lazy("Storage"),
}


def _stored_text(text) -> str:
    """Descriptions are stored in English whatever language is active."""
    with translation.override("en"):
        return str(text)


def parse(definition: Definition, raw: str):
    """The typed value of `raw`, or ValidationError with a clear message."""
    text = str(raw).strip()
    if definition.type == Type.BOOLEAN:
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise ValidationError(_("%(name)s must be true or false.") % {"name": definition.name})
    if definition.type == Type.INTEGER:
        try:
            number = int(text)
        except ValueError:
            raise ValidationError(_("%(name)s must be a whole number.") % {"name": definition.name}) from None
        if definition.minimum is not None and number < definition.minimum:
            raise ValidationError(_("%(name)s must be at least %(minimum)s.")
                                  % {"name": definition.name, "minimum": definition.minimum})
        if definition.maximum is not None and number > definition.maximum:
            raise ValidationError(_("%(name)s must be at most %(maximum)s.")
                                  % {"name": definition.name, "maximum": definition.maximum})
        return number
    if len(text) > 255:
        raise ValidationError(_("%(name)s must be at most 255 characters.") % {"name": definition.name})
    return text


def normalize(definition: Definition, raw: str) -> str:
    """The canonical text stored for `raw` (validated)."""
    typed = parse(definition, raw)
    return str(typed).lower() if definition.type == Type.BOOLEAN else str(typed)


def value(name: str):
    """The typed value in effect for setting `name`."""
    definition = DEFINITIONS[name]
    raw = GlobalSetting.objects.filter(name=name).values_list("value", flat=True).first()
    return parse(definition, definition.default if raw is None else raw)


def ensure_seeded() -> None:
    """Create a row for every declared setting that has none (post_migrate);
    refresh descriptions and types, never values."""
    for definition in DEFINITIONS.values():
        GlobalSetting.objects.update_or_create(
            name=definition.name,
            defaults={"category": definition.category, "description": _stored_text(definition.description),
                      "type": definition.type, "default": definition.default,
                      "requires_restart": definition.requires_restart},
            create_defaults={"category": definition.category,
                             "description": _stored_text(definition.description),
                             "type": definition.type, "default": definition.default,
                             "requires_restart": definition.requires_restart,
                             "value": definition.default},
        )


def seed_missing() -> None:
    """Create the rows of declared settings that have none, leaving existing
    rows alone (cheap enough for a page view: one query when all exist)."""
    existing = set(GlobalSetting.objects.values_list("name", flat=True))
    missing = [d for name, d in DEFINITIONS.items() if name not in existing]
    GlobalSetting.objects.bulk_create([_row(d) for d in missing], ignore_conflicts=True)


def missing_rows() -> list[GlobalSetting]:
    """Unsaved rows, holding their defaults, of the declared settings that
    have no row yet: a page lists them without writing (a GET never writes;
    post_migrate, the web process's start and every change create them)."""
    existing = set(GlobalSetting.objects.values_list("name", flat=True))
    return [_row(d) for name, d in DEFINITIONS.items() if name not in existing]


def row_or_default(name: str) -> GlobalSetting:
    """The setting's row, or an unsaved one holding its default."""
    return GlobalSetting.objects.filter(name=name).first() or _row(DEFINITIONS[name])


def _row(definition: Definition) -> GlobalSetting:
    return GlobalSetting(name=definition.name, category=definition.category,
                         description=_stored_text(definition.description), type=definition.type,
                         default=definition.default, value=definition.default,
                         requires_restart=definition.requires_restart)


def change(name: str, raw: str, *, user=None) -> GlobalSetting:
    """Validate and save a new value for setting `name`; record the event.

    A restart-required setting keeps its value in effect and holds the new
    one as pending (`cloudadmin.startup.apply_pending_settings` applies it);
    choosing the value in effect again withdraws the pending change.
    Raises ValidationError (nothing written) for a bad value.
    """
    definition = DEFINITIONS[name]
    new = normalize(definition, raw)
    with transaction.atomic():
        seed_missing()
        row = GlobalSetting.objects.select_for_update().get(name=name)
        if definition.requires_restart:
            pending = None if new == row.value else new
            if pending == row.pending_value:
                return row  # nothing changes
            if pending is None:
                detail = coded("pending change to %(pending)s withdrawn; %(value)s stays in effect",
                               pending=row.pending_value, value=row.value)
            else:
                detail = coded("%(old)s → %(new)s, pending a management server restart", old=row.value, new=new)
            row.pending_value = pending
            row.save(update_fields=["pending_value", "updated"])
        else:
            if new == row.value:
                return row
            detail = f"{row.value} → {new}"
            row.value = new
            row.save(update_fields=["value", "updated"])
        events.record("setting.change", user=user, target=name, detail=detail)
    return row
