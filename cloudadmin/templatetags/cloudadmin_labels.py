"""The words a page shows for stored codes, in the reader's language: an
event's action, a global setting's description and category (the rows keep
the English text and the code; cloudadmin.events and cloudadmin.config own
the labels)."""
from django import template

from cloudadmin import config, events

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return events.action_label(action)


@register.filter
def setting_description(setting) -> str:
    definition = config.DEFINITIONS.get(setting.name)
    return definition.description if definition else setting.description


@register.filter
def setting_category(setting) -> str:
    return config.CATEGORY_LABELS.get(setting.category, setting.category)
