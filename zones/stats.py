"""Figures shown beside zones that the storage app owns."""
from django.db.models import Count

from storage.models import TemplateLocation


def template_counts(zones) -> dict:
    """{zone id: number of templates on the zone's secondary storage}, as the
    storage app's last scan of each zone saw them (TemplateLocation rows
    that are Ready or Invalid; Missing ones are gone from the share). A zone
    never scanned counts 0."""
    ids = [zone.pk for zone in zones]
    rows = (TemplateLocation.objects.filter(zone_id__in=ids).exclude(state=TemplateLocation.State.MISSING)
            .values("zone_id").annotate(n=Count("pk")))
    counts = dict.fromkeys(ids, 0)
    counts.update({row["zone_id"]: row["n"] for row in rows})
    return counts
