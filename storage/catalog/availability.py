"""The templates × zones availability matrix of the Templates pages, built
from rows already fetched (no query here): a cell per zone and one for
Swift, each with a state, a reason and whether "Copy to zone" applies."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from storage.models import Template, TemplateLocation, Transfer

CELL_LABELS = {
    "ready": _("On NFS"),
    "invalid": _("Invalid"),
    "missing": _("Missing"),
    "copying": _("Copying"),
    "absent": _("Not here"),
    "stored": _("In Swift"),
    "not-stored": _("Not in Swift"),
}


@dataclass
class Cell:
    state: str
    reason: str = ""
    zone: object = None
    can_copy: bool = False

    @property
    def label(self):
        return CELL_LABELS[self.state]


@dataclass
class Row:
    template: Template
    zones: list[Cell] = field(default_factory=list)
    swift: Cell | None = None


def build_rows(templates, zones, locations, active_transfers) -> list[Row]:
    """`locations`: TemplateLocations of these templates; `active_transfers`:
    (template_id, direction, zone_id) of their queued or running transfers."""
    by_cell = {(loc.template_id, loc.zone_id): loc for loc in locations}
    uploading = {t for t, direction, _z in active_transfers if direction == Transfer.Direction.UP}
    downloading = {(t, z) for t, direction, z in active_transfers if direction == Transfer.Direction.DOWN}
    rows = []
    for template in templates:
        in_swift = template.swift_state == Template.SwiftState.STORED
        row = Row(template=template)
        for zone in zones:
            location = by_cell.get((template.pk, zone.pk))
            if (template.pk, zone.pk) in downloading:
                cell = Cell("copying", zone=zone)
            elif location is None:
                cell = Cell("absent", zone=zone)
            elif location.state == TemplateLocation.State.READY:
                cell = Cell("ready", zone=zone)
            elif location.state == TemplateLocation.State.INVALID:
                cell = Cell("invalid", reason=location.reason, zone=zone)
            else:
                cell = Cell("missing", reason=location.reason, zone=zone)
            cell.can_copy = in_swift and zone.is_enabled and cell.state != "ready" and cell.state != "copying"
            row.zones.append(cell)
        if template.pk in uploading:
            row.swift = Cell("copying")
        else:
            row.swift = Cell("stored" if in_swift else "not-stored")
        rows.append(row)
    return rows
