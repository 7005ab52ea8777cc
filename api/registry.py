"""The command table: each API command declares its parameters once; they
are checked here before the command runs, so a missing or invalid
parameter is always CloudStack's 431 error and never reaches the code."""
from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass
from typing import Any, Callable

from django.apps import apps
from django.db.models import QuerySet

from .responses import CS_INVALID_PARAMETER_VALUE, PARAM_ERROR, ApiError

# Our own commands (not in CloudStack's reference) all start with this.
# The scheme and host the current API request came to (api.views sets it),
# for answers that carry a URL of this site (getUploadParamsForTemplate).
REQUEST_ORIGIN: contextvars.ContextVar[str] = contextvars.ContextVar("api_request_origin", default="http://localhost")
OWN_PREFIX = "cloudadmin"

STRING, INTEGER, BOOLEAN, ID, CHOICE = "string", "integer", "boolean", "id", "choice"

UUID_FORM = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The object an id parameter names, by parameter name; `id` itself says it
# per command (Param.model).
ID_MODELS = {"zoneid": "zones.Zone", "sourcezoneid": "zones.Zone", "destzoneid": "zones.Zone",
             "podid": "zones.Pod", "clusterid": "zones.Cluster", "hostid": "zones.Host",
             "templateid": "storage.Template"}


@dataclass(frozen=True)
class Param:
    name: str
    type: str = STRING
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 255
    minimum: int | None = None
    maximum: int | None = None
    # For ID: "app_label.Model" whose `uuid` the value may be (default: ID_MODELS).
    model: str = ""
    # For ID: -1 stands for every zone (CloudStack's cross-zone templates), passed on as -1.
    all_zones: bool = False


@dataclass
class Command:
    name: str
    handler: Callable[..., Any]
    params: tuple[Param, ...] = ()
    # An async command's handler returns an AsyncJob; `run` is what the
    # worker then executes (storage of the result is done by api.jobs).
    is_async: bool = False
    run: Callable[..., Any] | None = None
    # For async work queued as a row of its own: ends the job from that row.
    refresh: Callable[..., Any] | None = None
    is_list: bool = False
    description: str = ""

    def clean(self, raw: dict[str, str]) -> dict[str, Any]:
        """The typed parameters (names lowercased), or ApiError 431."""
        cleaned = {}
        for param in self.params:
            value = raw.get(param.name)
            if value is None or (value == "" and param.type != STRING):
                if param.required:
                    raise ApiError(PARAM_ERROR, f"Unable to execute API command {self.name.lower()} "
                                                f"due to missing parameter {param.name}")
                continue
            if param.required and param.type == STRING and not value.strip():
                raise ApiError(PARAM_ERROR, f"Unable to execute API command {self.name.lower()} "
                                            f"due to missing parameter {param.name}")
            cleaned[param.name] = self._convert(param, value)
        return cleaned

    def _invalid(self, param: Param, value: str, why: str) -> ApiError:
        shown = value if len(value) <= 64 else value[:61] + "..."
        return ApiError(PARAM_ERROR, f"Unable to execute API command {self.name.lower()} due to invalid "
                                     f"value. Invalid parameter {param.name} value={shown}: {why}",
                        CS_INVALID_PARAMETER_VALUE)

    def _convert(self, param: Param, value: str):
        if "\x00" in value:
            raise self._invalid(param, value.replace("\x00", "\\0"), "NUL characters are not allowed")
        if param.type == STRING:
            if len(value) > param.max_length:
                raise self._invalid(param, value, f"at most {param.max_length} characters")
            return value
        if param.type == ID and UUID_FORM.fullmatch(value.strip()):
            return self._resolve_uuid(param, value)
        if param.type in (INTEGER, ID):
            text = value.strip()
            if not re.fullmatch(r"-?[0-9]{1,18}", text):
                raise self._invalid(param, value, "not a whole number" if param.type == INTEGER
                                    else "no such id (ids are UUIDs)")
            number = int(text)
            if param.type == ID and number < 1 and not (param.all_zones and number == -1):
                raise self._invalid(param, value, "no such id")
            if param.minimum is not None and number < param.minimum:
                raise self._invalid(param, value, f"must be at least {param.minimum}")
            if param.maximum is not None and number > param.maximum:
                raise self._invalid(param, value, f"must be at most {param.maximum}")
            return number
        if param.type == BOOLEAN:
            if value.strip().lower() not in ("true", "false"):
                raise self._invalid(param, value, "must be true or false")
            return value.strip().lower() == "true"
        if param.type == CHOICE:
            for choice in param.choices:
                if value.strip().lower() == choice.lower():
                    return choice
            raise self._invalid(param, value, "must be one of " + ", ".join(param.choices))
        raise AssertionError(param.type)

    def _resolve_uuid(self, param: Param, value: str) -> int:
        """The primary key of the object whose UUID this is. Numeric ids stay
        accepted too, as CloudStack accepts internal ids for its pre-3.x
        parameters (and a template's id is CloudStack's own)."""
        label = param.model or ID_MODELS.get(param.name)
        pk = None
        if label:
            pk = apps.get_model(label).objects.filter(uuid=value.strip().lower()).values_list("pk", flat=True).first()
        if pk is None:
            raise self._invalid(param, value, "no such object")
        return pk


COMMANDS: dict[str, Command] = {}
LIST_PARAMS = (Param("page", INTEGER, minimum=1, maximum=10**9),
               Param("pagesize", INTEGER, minimum=1, maximum=10**6),
               Param("keyword", max_length=255))


def command(name, *params, is_async=False, is_list=False, run=None, refresh=None):
    """Register `handler(ctx, **params)` as API command `name`."""
    def decorate(handler):
        all_params = tuple(params) + (LIST_PARAMS if is_list else ())
        COMMANDS[name.lower()] = Command(name=name, handler=handler, params=all_params,
                                         is_async=is_async, run=run, refresh=refresh, is_list=is_list,
                                         description=(handler.__doc__ or "").strip().split("\n")[0])
        return handler
    return decorate


def find(name: str) -> Command | None:
    # CloudStack matches command names case-sensitively; clients send the
    # reference's camelCase, which is what the table holds.
    found = COMMANDS.get(name.lower())
    return found if found is not None and found.name == name else None


def paginate(items, params: dict) -> tuple[int, list]:
    """(count, the asked page) of a list or a QuerySet; a QuerySet is counted
    and sliced in the database."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    page, size = params.get("page"), params.get("pagesize")
    if size:
        start = ((page or 1) - 1) * size
        items = items[start:start + size]
    elif page and page > 1:
        items = []
    return count, list(items)


def list_payload(key: str, items, params: dict, describe=None) -> dict:
    """CloudStack's list shape: {"count": N, "<key>": [...]}, or {} when empty.
    With `describe`, only the rows of the asked page are turned into dicts."""
    count, page = paginate(items, params)
    if describe is not None:
        page = [describe(item) for item in page]
    return {"count": count, key: page} if count else {}
