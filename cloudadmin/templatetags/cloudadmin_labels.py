"""The words a page shows for stored codes, in the reader's language: an
event's action and who did it when no user did, a global setting's
description and category (the rows keep the English text and the code;
cloudadmin.events and cloudadmin.config own the labels), and the texts
workers store coded (cloudadmin.messages)."""
from django import template

from cloudadmin import config, events, messages

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return events.action_label(action)


@register.filter
def who(username: str) -> str:
    """An event's username; the worker's and the system's in the reader's language."""
    return events.username_label(username)


@register.filter
def message_text(stored) -> str:
    """A stored reason or detail in the reader's language (plain text as it is)."""
    return messages.render(stored)


@register.filter
def setting_description(setting) -> str:
    definition = config.DEFINITIONS.get(setting.name)
    return definition.description if definition else setting.description


@register.filter
def setting_category(setting) -> str:
    return config.CATEGORY_LABELS.get(setting.category, setting.category)
