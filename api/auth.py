"""Who is calling: the API key and the request signature, with failed
signatures rate limited per client address and recorded as events."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from cloudadmin import events
from cloudadmin.lockout import client_ip
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


def _recent_failures(ip: str) -> int:
    since = timezone.now() - timedelta(seconds=settings.API_SIGNATURE_FAILURE_WINDOW)
    return Event.objects.filter(action=AUTH_ACTION, outcome=Event.Outcome.FAILURE,
                                target=ip, created__gte=since).count()


def _refuse(ip: str, reason: str, *, username: str = "", command: str = "") -> ApiError:
    events.record_failure(AUTH_ACTION, username=username, target=ip,
                          detail=f"{command or '-'}: {reason}")
    return ApiError(UNAUTHORIZED, UNAUTHORIZED_TEXT)


def authenticate(request, params: dict[str, str], command: str = ""):
    """The staff user whose key signed `params`, or raises ApiError.

    Over API_SIGNATURE_FAILURE_LIMIT failures from one address within
    API_SIGNATURE_FAILURE_WINDOW seconds, requests from it are refused (429)
    before any check and without a new event, so that a flood can neither
    guess secrets nor fill the audit log.
    """
    ip = client_ip(request) or "unknown"
    if _recent_failures(ip) >= settings.API_SIGNATURE_FAILURE_LIMIT:
        minutes = max(1, round(settings.API_SIGNATURE_FAILURE_WINDOW / 60))
        raise ApiError(API_LIMIT_EXCEED, RATE_LIMITED_TEXT.format(minutes=minutes))

    lowered = {name.lower(): value for name, value in params.items()}
    api_key, signature = lowered.get("apikey"), lowered.get("signature")
    if not api_key or not signature:
        raise _refuse(ip, "no apiKey or no signature", command=command)
    key = ApiKey.objects.select_related("user").filter(api_key=api_key).first()
    if key is None:
        raise _refuse(ip, f"unknown apiKey {api_key[:8]}…", command=command)
    user = key.user
    if lowered.get("signatureversion") == "3":
        expires = signing.parse_expires(lowered.get("expires") or "")
        if expires is None:
            raise _refuse(ip, "signatureVersion 3 without a valid expires", username=user.get_username(),
                          command=command)
        if expires < timezone.now():
            raise _refuse(ip, f"expired request (expires {lowered['expires']})",
                          username=user.get_username(), command=command)
    if not signing.signature_matches(params, key.secret, signature):
        raise _refuse(ip, "signature mismatch", username=user.get_username(), command=command)
    if not (user.is_active and user.is_staff):
        raise _refuse(ip, "the key's user is not an active administrator", username=user.get_username(),
                      command=command)
    ApiKey.objects.filter(pk=key.pk).update(last_used=timezone.now())
    return user
