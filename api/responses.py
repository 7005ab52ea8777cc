"""CloudStack's answer shapes: `{"<command>response": {...}}` in JSON, the
same tree in XML (CloudStack's default), and errors with `errorcode`,
`cserrorcode` and `errortext` inside `<command>response`."""
from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape, quoteattr

from django.http import HttpResponse

# The CloudStack API reference whose names and shapes these commands follow.
CLOUDSTACK_VERSION = "4.19.0.0"

# CloudStack's ApiErrorCode values (also the HTTP status).
UNAUTHORIZED = 401
# Not one of CloudStack's codes: its servlet answers other methods with HTTP 405.
METHOD_NOT_ALLOWED = 405
API_LIMIT_EXCEED = 429
MALFORMED_PARAMETER_ERROR = 430
PARAM_ERROR = 431
UNSUPPORTED_ACTION_ERROR = 432
INTERNAL_ERROR = 530
RESOURCE_UNAVAILABLE_ERROR = 534

# CloudStack's CSExceptionErrorCode values (cserrorcode).
CS_SERVER_API_EXCEPTION = 9999
CS_CLOUD_RUNTIME_EXCEPTION = 4250
CS_INVALID_PARAMETER_VALUE = 4350
CS_PERMISSION_DENIED = 4365
CS_RESOURCE_UNAVAILABLE = 4520


class ApiError(Exception):
    """A refusal answered in CloudStack's error form."""

    def __init__(self, errorcode: int, errortext: str, cserrorcode: int = CS_SERVER_API_EXCEPTION):
        super().__init__(errortext)
        self.errorcode = errorcode
        self.errortext = errortext
        self.cserrorcode = cserrorcode

    def payload(self) -> dict:
        return {"uuidList": [], "errorcode": self.errorcode, "cserrorcode": self.cserrorcode,
                "errortext": self.errortext}


def response_name(command: str | None, known: bool) -> str:
    return f"{command.lower()}response" if command and known else "errorresponse"


# HTTP reason phrases for CloudStack's own codes (the standard ones for
# 431 and friends mean something else).
REASONS = {MALFORMED_PARAMETER_ERROR: "Malformed Parameter", PARAM_ERROR: "Parameter Error",
           UNSUPPORTED_ACTION_ERROR: "Unsupported Action", INTERNAL_ERROR: "Internal Error",
           RESOURCE_UNAVAILABLE_ERROR: "Resource Unavailable"}


def render(name: str, payload: dict, fmt: str, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps({name: _without_nulls(payload)}, ensure_ascii=False, default=str)
        content_type = "application/json; charset=UTF-8"
    else:
        body = (f'<?xml version="1.0" encoding="UTF-8"?>'
                f"<{name} cloud-stack-version={quoteattr(CLOUDSTACK_VERSION)}>{_xml(payload)}</{name}>")
        content_type = "text/xml; charset=UTF-8"
    return HttpResponse(body, status=status, content_type=content_type, reason=REASONS.get(status))


def render_error(name: str, error: ApiError, fmt: str) -> HttpResponse:
    return render(name, error.payload(), fmt, status=error.errorcode)


def _without_nulls(value):
    """CloudStack (Gson) leaves unset fields out rather than sending null."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


# Characters that XML 1.0 cannot carry at all (echoed parameters may hold them).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return escape(_XML_INVALID.sub("\ufffd", str(value)))


def _xml(value) -> str:
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if item is None:
                continue
            if isinstance(item, list):
                parts.extend(f"<{key}>{_xml(element)}</{key}>" for element in item)
            else:
                parts.append(f"<{key}>{_xml(item)}</{key}>")
        return "".join(parts)
    return _text(value)
