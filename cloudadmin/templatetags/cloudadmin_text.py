"""Text helpers for templates that keep sentences translatable: how long
ago, in one unit (Django's timesince joins two units with ", " and puts a
space before the Japanese counter)."""
from django import template
from django.utils import timezone
from django.utils.translation import ngettext_lazy, pgettext

register = template.Library()

# (seconds in the unit, its text): the largest unit that fits is shown.
UNITS = (
    (365 * 86400, ngettext_lazy("%(n)d year ago", "%(n)d years ago", "n")),
    (30 * 86400, ngettext_lazy("%(n)d month ago", "%(n)d months ago", "n")),
    (7 * 86400, ngettext_lazy("%(n)d week ago", "%(n)d weeks ago", "n")),
    (86400, ngettext_lazy("%(n)d day ago", "%(n)d days ago", "n")),
    (3600, ngettext_lazy("%(n)d hour ago", "%(n)d hours ago", "n")),
    (60, ngettext_lazy("%(n)d minute ago", "%(n)d minutes ago", "n")),
)


@register.filter
def ago(value, now=None) -> str:
    """'9 minutes ago' (「9分前」); under a minute 'just now'."""
    if not value:
        return ""
    seconds = int(((now or timezone.now()) - value).total_seconds())
    for unit, text in UNITS:
        if seconds >= unit:
            return text % {"n": seconds // unit}
    return pgettext("time", "just now")


@register.simple_tag
def list_separator() -> str:
    """Between the items of an inline list: ", " in English, 「、」 in Japanese."""
    return pgettext("list separator", ", ")
