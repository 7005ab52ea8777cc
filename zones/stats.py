"""Figures shown beside zones that other apps own.

template_counts is where the zone list gets its template count. The
templates themselves are recorded by the transfer engine (storage); until
its Template model exists, the count is unknown (None, shown as a dash).
"""
from django.apps import apps
from django.db.models import Count


def template_counts(zones) -> dict:
    """{zone id: number of templates on the zone's secondary storage, or None}."""
    ids = [zone.pk for zone in zones]
    try:
        template = apps.get_model("storage", "Template")
    except LookupError:
        return {}
    zone_field = _zone_path(template)
    if zone_field is None:
        return {}
    rows = template.objects.filter(**{f"{zone_field}__in": ids}).values(zone_field).annotate(n=Count("pk"))
    counts = {zone_id: 0 for zone_id in ids}
    counts.update({row[zone_field]: row["n"] for row in rows})
    return counts


def _zone_path(template):
    """How a Template row reaches its zone: directly or through its secondary storage."""
    names = {field.name for field in template._meta.get_fields()}
    if "zone" in names:
        return "zone"
    if "secondary_storage" in names:
        return "secondary_storage__zone"
    return None
