"""Who is calling: the API key and the request signature, with failed
signatures rate limited per (client address, API key) and recorded as events."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from cloudadmin import events
from cloudadmin.lockout import client_ip
from cloudadmin.messages import coded
from cloudadmin.models import Event

from . import signing
from .models import ApiKey
from .responses import API_LIMIT_EXCEED, UNAUTHORIZED, ApiError

AUTH_ACTION = "api.auth"
# CloudStack's answer to every authentication failure: the caller learns
# nothing about which part was wrong (the event records that).
UNAUTHORIZED_TEXT = "unable to verify user credentials and/or request signature"
RATE_LIMITED_TEXT = ("There are too many failed API requests from your address; "
                     "try again in {minutes} minutes.")


# Failures are counted per (address, API key): a known key's failures in
# its own bucket, those with no or an unknown key in one bucket per address.
KEY_PREFIX = 12  # of the API key in the bucket name (the audit log's target)


def _bucket(ip: str, key: ApiKey | None) -> str:
    return f"{ip} key {key.api_key[:KEY_PREFIX]}" if key is not None else ip


def _recent_failures(bucket: str) -> int:
    since = timezone.now() - timedelta(seconds=settings.API_SIGNATURE_FAILURE_WINDOW)
    return Event.objects.filter(action=AUTH_ACTION, outcome=Event.Outcome.FAILURE,
                                target=bucket, created__gte=since).count()


def _rate_limited() -> ApiError:
    minutes = max(1, round(settings.API_SIGNATURE_FAILURE_WINDOW / 60))
    return ApiError(API_LIMIT_EXCEED, RATE_LIMITED_TEXT.format(minutes=minutes))


def _problem(params: dict[str, str], lowered: dict[str, str], key: ApiKey | None):
    """Why the request is not the key's holder's (a coded message), or None."""
    api_key, signature = lowered.get("apikey"), lowered.get("signature")
    if not api_key or not signature:
        return coded("no apiKey or no signature")
    if key is None:
        return coded("unknown apiKey %(start)s…", start=api_key[:8])
    if lowered.get("signatureversion") == "3":
        expires = signing.parse_expires(lowered.get("expires") or "")
        if expires is None:
            return coded("signatureVersion 3 without a valid expires")
        if expires < timezone.now():
            return coded("expired request (expires %(expires)s)", expires=lowered["expires"])
    if not signing.signature_matches(params, key.secret, signature):
        return coded("signature mismatch")
    if not (key.user.is_active and key.user.is_staff):
        return coded("the key's user is not an active administrator")
    return None


def authenticate(request, params: dict[str, str], command: str = ""):
    """The staff user whose key signed `params`, or raises ApiError.

    Failures are counted per (address, API key), requests without a known
    key in a bucket of their own. Once a bucket has API_SIGNATURE_FAILURE_LIMIT
    failures within API_SIGNATURE_FAILURE_WINDOW seconds, its failures are
    answered 429 without a new event, so that a flood fills neither the audit
    log nor the database; requests without a known key are then refused before
    any check. A correctly signed request always passes: behind a proxy every
    client shares one address, and others' failures must not lock a key out.
    """
    ip = (client_ip(request) or "unknown")[:64]
    lowered = {name.lower(): value for name, value in params.items()}
    api_key = lowered.get("apikey")
    key = ApiKey.objects.select_related("user").filter(api_key=api_key).first() if api_key else None
    bucket = _bucket(ip, key)
    throttled = _recent_failures(bucket) >= settings.API_SIGNATURE_FAILURE_LIMIT
    if throttled and key is None:
        raise _rate_limited()
    problem = _problem(params, lowered, key)
    if problem is None:
        ApiKey.objects.filter(pk=key.pk).update(last_used=timezone.now())
        return key.user
    if throttled:
        raise _rate_limited()
    events.record_failure(AUTH_ACTION, username=key.user.get_username() if key else "", target=bucket,
                          detail=coded("%(command)s: %(problem)s", command=command or "-", problem=problem))
    raise ApiError(UNAUTHORIZED, UNAUTHORIZED_TEXT)
