import logging
import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from . import auth, registry
from .models import AsyncJob
from .responses import (INTERNAL_ERROR, MALFORMED_PARAMETER_ERROR, METHOD_NOT_ALLOWED, PARAM_ERROR,
                        UNSUPPORTED_ACTION_ERROR,
                        ApiError, render, render_error, response_name)

logger = logging.getLogger(__name__)


def _parameters(request) -> dict[str, str]:
    """Query string and form body together, as a servlet sees them. A name
    given twice (in any letter case) is refused: only one value can be both
    the signed and the executed one."""
    params: dict[str, str] = {}
    seen: dict[str, str] = {}
    sources = [request.GET] + ([request.POST] if request.method == "POST" else [])
    for source in sources:
        for name, values in source.lists():
            lowered = name.lower()
            if lowered in seen or len(values) > 1:
                raise ApiError(MALFORMED_PARAMETER_ERROR,
                               f"Parameter {name} is given more than once; each parameter may appear once.")
            seen[lowered] = name
            params[name] = values[0]
    return params


_JSON_WANTED = re.compile(rb"(?:^|&)response=json(?:&|$)", re.IGNORECASE)


def _sniffed_format(request) -> str:
    """The answer format of a request whose parameters could not be parsed
    (too large, too many, a name given twice), read from the raw text."""
    raw = [request.META.get("QUERY_STRING", "").encode("latin-1", "replace")]
    try:
        raw.append(request.body)
    except Exception:  # noqa: BLE001 - the body is too large or already consumed
        pass
    return "json" if any(_JSON_WANTED.search(part) for part in raw) else "xml"


# Signed requests carry no session cookie: the HMAC signature over every
# parameter with the caller's secret is the proof of origin, so a forged
# cross-site request cannot be made without the secret and CSRF protection
# has nothing to add. The view never looks at the session.
@csrf_exempt
@login_not_required
def client_api(request):
    """/client/api: CloudStack's API endpoint (GET and POST). Its texts are
    English whatever the caller's language, like CloudStack's."""
    with translation.override(settings.LANGUAGE_CODE):
        return _answer(request)


def _answer(request):
    command_name = None
    name = "errorresponse"
    try:
        params = _parameters(request)
    except (TooManyFieldsSent, RequestDataTooBig, SuspiciousOperation) as exc:
        error = ApiError(MALFORMED_PARAMETER_ERROR, f"Malformed request: {exc}")
        return render_error(name, error, _sniffed_format(request))
    except ApiError as error:
        return render_error(name, error, _sniffed_format(request))
    except Exception:  # noqa: BLE001 - never a 500 page
        logger.exception("API request parameters unreadable")
        return render_error(name, ApiError(INTERNAL_ERROR, "Internal error reading the request."),
                            _sniffed_format(request))
    fmt = "json" if params.get("response", "").lower() == "json" else "xml"
    try:
        command_name = params.get("command")
        command = registry.find(command_name) if command_name else None
        name = response_name(command_name, command is not None)
        if request.method not in ("GET", "POST"):
            response = render_error(name, ApiError(METHOD_NOT_ALLOWED, f"Method {request.method} is not allowed: "
                                                   "use GET or POST."), fmt)
            response["Allow"] = "GET, POST"
            return response
        user = auth.authenticate(request, params, command=command_name or "")
        if not command_name:
            raise ApiError(PARAM_ERROR, "Unable to execute API command due to missing parameter command")
        if command is None:
            raise ApiError(UNSUPPORTED_ACTION_ERROR,
                           "The given command does not exist or it is not available for user")
        cleaned = command.clean(params)
        registry.REQUEST_ORIGIN.set(request.build_absolute_uri("/").rstrip("/"))
        result = command.handler(user, **cleaned)
        if isinstance(result, AsyncJob):
            payload = {"jobid": str(result.id)}
            if result.instance_id:
                payload["id"] = result.instance_id
            return render(name, payload, fmt)
        return render(name, result, fmt)
    except ApiError as error:
        return render_error(name, error, fmt)
    except Exception:  # noqa: BLE001 - an API client gets CloudStack's error form, never a 500 page
        logger.exception("API command %s failed", command_name)
        return render_error(name, ApiError(INTERNAL_ERROR, "Internal error executing command, please "
                                           "contact your system administrator"), fmt)
