"""Login lockout (django-axes): after LOGIN_FAILURE_LIMIT failed logins for
one username from one address, logins are refused for LOGIN_COOLOFF_MINUTES.

Axes does the counting; this module adapts it: a backend that marks refused
requests (so the audit events can tell "locked out" from "wrong password"),
the client address, and the lockout page (the login page with a clear
message, status 429)."""
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.translation import ngettext


class LockoutBackend(AxesStandaloneBackend):
    """Refuses locked-out logins before any password is checked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            # Only code without a request (a shell, a test client's login())
            # gets here; the login page always passes its request.
            return None
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.login_refused_locked_out = True
            raise


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the address that the trusted
    reverse proxy appended to X-Forwarded-For (the right-most one)."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-1]
    return request.META.get("REMOTE_ADDR", "")


def cool_off_minutes(request=None) -> int:
    cool_off = get_cool_off(request)
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_message(request=None) -> str:
    minutes = cool_off_minutes(request)
    return ngettext("Too many failed logins. Logins for this user from your address are locked "
                    "for %(minutes)d minute; try again later.",
                    "Too many failed logins. Logins for this user from your address are locked "
                    "for %(minutes)d minutes; try again later.", minutes) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with the lockout message instead of the form error."""
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    context = {"form": form, "locked_out_message": lockout_message(request),
               "next": request.POST.get("next", "") if request.method == "POST" else ""}
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
