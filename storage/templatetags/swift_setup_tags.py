from django import template

from zones.swift_first import enable_swift_allowed

register = template.Library()


@register.inclusion_tag("storage/_enable_swift_action.html")
def enable_swift_action():
    """The Enable Swift button and its dialog, only while it is allowed."""
    allowed, _reason = enable_swift_allowed()
    return {"enable_swift_allowed": allowed}
