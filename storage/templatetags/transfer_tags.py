"""Filters for the transfer tables: rate, ETA, direction ends."""
from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from storage.models import ZoneScan

register = template.Library()


@register.filter
def rate(bytes_per_second) -> str:
    if not bytes_per_second:
        return "—"
    return _("%(size)s/s") % {"size": filesizeformat(int(bytes_per_second))}


@register.filter
def eta(transfer) -> str:
    """Time left at the current rate, for an active transfer."""
    if not transfer.is_active or not transfer.rate or transfer.bytes_total <= transfer.bytes_done:
        return "—"
    seconds = int((transfer.bytes_total - transfer.bytes_done) / transfer.rate)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": seconds}
    return _("%(s)d s") % {"s": seconds}


@register.filter
def scan_state(value) -> str:
    """The label of a ZoneScan state value (annotations carry the raw value)."""
    try:
        return ZoneScan.State(value).label
    except ValueError:
        return value or ""
