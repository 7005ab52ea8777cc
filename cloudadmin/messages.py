"""Texts that workers and services store (a transfer's last error, an
event's detail, a scan's or a share check's reason) as a message code and
its parameters, rendered in the reader's language when shown.

Write `coded("checksum mismatch: %(expected)s", expected=...)` (or
`coded_plural(singular, plural, "count", count=n)`): `manage.py messages`
extracts the literal msgid (keywords `coded`, `coded_plural:1,2`), and
`encode()` turns it into the row's text, a small JSON object. A parameter
may itself be a message, a `gettext_lazy` text or a `format_lazy` of them
(SwiftError's lines): those are kept coded too. `render()` shows a row's
text in the active language (the `message_text` filter of templates),
`english()` in English (the CloudStack API, logs); a plain text row (older
rows, data) is shown as it is."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

# What a lazy text is made of (pickle's public __reduce__: the function, its args).
_SAMPLE = "sample"  # a variable: a literal here would be extracted as a msgid
_GETTEXT_FUNC = gettext_lazy(_SAMPLE).__reduce__()[1][0]
_FORMAT_FUNC = format_lazy(_SAMPLE).__reduce__()[1][0]
_PREFIX = '{"msgid":'


@dataclass(frozen=True)
class Message:
    """A msgid (%-style, or {}-style for format_lazy's) and its parameters."""

    msgid: str
    params: dict = field(default_factory=dict)
    plural: str = ""  # with `number`: ngettext(msgid, plural, params[number])
    number: str = ""
    braces: bool = False

    def __str__(self) -> str:
        return render(self)

    def to_json(self) -> dict:
        data = {"msgid": self.msgid, "params": {k: _param_json(v) for k, v in self.params.items()}}
        if self.plural:
            data.update(plural=self.plural, number=self.number)
        if self.braces:
            data["braces"] = True
        return data


def coded(msgid: str, **params) -> Message:
    """A translatable text to store: `msgid` is a literal with %(name)s placeholders."""
    return Message(msgid, {k: _param(v) for k, v in params.items()})


def coded_plural(singular: str, plural: str, number: str, **params) -> Message:
    """ngettext's counterpart: `number` names the parameter that picks the form."""
    return Message(singular, {k: _param(v) for k, v in params.items()}, plural=plural, number=number)


class CodedError(Exception):
    """An exception whose reason is a coded message (or a text): `text` keeps
    it as given, for an event's detail (as_message reads it); str() says it
    in the active language, english() as the API and the logs do."""

    def __init__(self, text="", *args):
        super().__init__(text, *args)
        self.text = text

    def english(self) -> str:
        return english(self.text)

    def __str__(self) -> str:
        return str(self.text)


def with_params(message: Message, **params) -> Message:
    """`message` (a coded template such as a module's constant, or a Django
    ValidationError's text) with these parameters added."""
    return replace(message, params={**message.params, **{k: _param(v) for k, v in params.items()}})


def listed(items) -> Message | str:
    """Items (messages or texts) as one list, "a, b, c" in the reader's language."""
    items = list(items)
    result = items[-1] if items else ""
    for item in reversed(items[:-1]):
        result = coded("%(first)s, %(rest)s", first=item, rest=result)
    return result


def _param(value):
    if isinstance(value, (Message, int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, Promise):
        return as_message(value)
    return str(value)


def _param_json(value):
    return value.to_json() if isinstance(value, Message) else value


def as_message(value) -> Message | str:
    """A Message, or a plain English text, from what a worker has in hand: a
    Message, a lazy text, an exception carrying one (`.text`, SwiftError's
    and TransferFailed's), or anything else (its str in English)."""
    if isinstance(value, BaseException):
        value = getattr(value, "text", None) or (value.args[0] if len(value.args) == 1 else str(value))
    if isinstance(value, Message):
        return value
    if isinstance(value, Promise):
        _unpickle, (func, args, kwargs, *_classes) = value.__reduce__()
        if func is _GETTEXT_FUNC and len(args) == 1 and not kwargs and isinstance(args[0], str):
            return Message(args[0])
        if func is _FORMAT_FUNC and args and not args[1:]:
            template = as_message(args[0])
            if isinstance(template, Message) and not template.params:
                return Message(template.msgid, {k: _param(v) for k, v in kwargs.items()}, braces=True)
        return english(value)
    return english(value) if not isinstance(value, str) else value


def encode(value, max_length: int | None = None) -> str:
    """The text to store in a row: a coded message as JSON, a plain text as
    it is. Cut to `max_length` by storing the English text instead."""
    message = as_message(value)
    if not isinstance(message, Message):
        return message[:max_length] if max_length else message
    stored = json.dumps(message.to_json(), ensure_ascii=False)
    if max_length and len(stored) > max_length:
        return english(message)[:max_length]
    return stored


def _from_json(data) -> Message:
    params = {k: _from_json(v) if isinstance(v, dict) else v for k, v in data.get("params", {}).items()}
    return Message(data["msgid"], params, plural=data.get("plural", ""), number=data.get("number", ""),
                   braces=bool(data.get("braces")))


def decode(stored) -> Message | str:
    """A row's text back as a Message, or the plain text it is."""
    if isinstance(stored, Message) or not isinstance(stored, str) or not stored.startswith(_PREFIX):
        return stored if isinstance(stored, Message) else ("" if stored is None else str(stored))
    try:
        return _from_json(json.loads(stored))
    except (ValueError, KeyError, TypeError, AttributeError):
        return stored


def render(stored) -> str:
    """A row's text (or a Message) in the active language."""
    message = decode(stored)
    if not isinstance(message, Message):
        return message
    params = {k: render(v) if isinstance(v, Message) else v for k, v in message.params.items()}
    try:
        if message.plural:
            text = translation.ngettext(message.msgid, message.plural, int(params.get(message.number, 0)))
        else:
            text = translation.gettext(message.msgid)
        return text.format(**params) if message.braces else (text % params if params else text)
    except (KeyError, ValueError, TypeError, IndexError):  # a row or a placeholder gone wrong: say it anyway
        return message.msgid


def english(stored) -> str:
    """A row's text (or a Message, a lazy text) in English, as the API and the logs answer."""
    with translation.override(settings.LANGUAGE_CODE):
        return render(stored) if not isinstance(stored, Promise) else str(stored)
