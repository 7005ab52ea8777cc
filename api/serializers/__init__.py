"""CloudStack's response classes, declared once each: every field of the
class (its @SerializedName and JSON type, CloudStack 4.19.0.0), where our
value comes from, or the default a fresh CloudStack install gives when we
have none. Commands answer `SPEC.serialize(obj)`, never a hand-built dict.

A field whose value is None is left out of the answer, as CloudStack's Gson
does for unset fields (e.g. `removed` of a template that was not removed).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timezone as dt_timezone
from typing import Any, Callable

from cloudadmin import messages

# JSON types of the fields (Java: String and enums, Boolean, Integer/Long,
# Double, Date, List/Set, Map, a nested response object).
STRING, BOOLEAN, INTEGER, NUMBER, DATE, LIST, MAP, OBJECT = (
    "string", "boolean", "integer", "number", "date", "list", "map", "object")


def cs_date(moment) -> str | None:
    """CloudStack's date format: 2026-11-25T14:59:59+0000."""
    return None if moment is None else moment.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S%z")


def uuid_of(obj) -> str | None:
    return None if obj is None else str(obj.uuid)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    # obj -> value; None means we have no value: `default` is answered.
    get: Callable[[Any], Any] | None = None
    # CloudStack's value on a fresh install (listed in the README's table).
    default: Any = None
    # For a value we make up from what we have: how (also in the README's table).
    note: str = ""

    def value(self, obj):
        value = self.get(obj) if self.get is not None else self.default
        if self.type == DATE and value is not None and not isinstance(value, str):
            value = cs_date(value)
        return value


def attr(name: str, *, blank_is_none: bool = True) -> Callable[[Any], Any]:
    """Read `obj.<name>` (dotted); an empty string counts as unset."""
    def get(obj):
        value = obj
        for part in name.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return None if blank_is_none and value == "" else value
    return get


def english_attr(name: str) -> Callable[[Any], Any]:
    """attr() of a text workers store coded (cloudadmin.messages), in English as CloudStack answers."""
    read = attr(name)
    return lambda obj: None if read(obj) is None else messages.english(read(obj))


@dataclass(frozen=True)
class ResponseSpec:
    cloudstack_class: str
    fields: tuple[Field, ...]

    def serialize(self, obj) -> dict:
        payload = {}
        for field in self.fields:
            value = field.value(obj)
            if value is not None:
                payload[field.name] = value
        return payload

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)


def response(cloudstack_class: str, *fields: Field) -> ResponseSpec:
    names = [field.name for field in fields]
    assert len(names) == len(set(names)), f"{cloudstack_class}: a field is declared twice"
    return ResponseSpec(cloudstack_class, tuple(fields))


def json_text(value) -> str:
    return json.dumps(value, separators=(", ", ": "))


def defaults_table(specs) -> str:
    """The README's table of the values we answer because we cannot know
    them: one row per response class, `field` = CloudStack's default."""
    rows = ["| Response | Fields we answer with CloudStack's fresh-install default |", "| --- | --- |"]
    for spec in specs:
        items = [f"`{field.name}` {json_text(field.default)}" if field.get is None else f"`{field.name}`: {field.note}"
                 for field in spec.fields if (field.get is None and field.default is not None) or field.note]
        if items:
            rows.append(f"| {spec.cloudstack_class} | {'; '.join(items)} |")
    return "\n".join(rows)
