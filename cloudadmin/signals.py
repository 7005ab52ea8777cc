from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import events
from .lockout import cool_off_minutes
from .messages import coded
from .middleware import SESSION_LANGUAGE_KEY
from .models import UserPreference


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    events.record("auth.login", user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        events.record("auth.logout", user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # credentials never holds the password here: Django cleanses it.
    if getattr(request, "login_refused_locked_out", False):
        detail = coded("refused: locked out after too many failed logins")
    else:
        detail = coded("wrong username or password")
    events.record_failure("auth.login", username=credentials.get("username", ""), detail=detail)


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    # Axes signals again for every attempt refused during the lockout; those
    # are already recorded as refused logins above. Record the lockout once.
    if getattr(request, "login_refused_locked_out", False):
        return
    events.record_failure(
        "auth.lockout", username=username or "", target=ip_address or "",
        detail=coded("%(count)s failed logins: locked out for %(minutes)s minutes",
                     count=settings.AXES_FAILURE_LIMIT, minutes=cool_off_minutes(request)),
    )


@receiver(user_logged_in)
def apply_language_preference(sender, request, user, **kwargs):
    """The user's chosen language follows them to every browser they log in from."""
    if request is None or not hasattr(request, "session"):
        return
    language = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if language:
        request.session[SESSION_LANGUAGE_KEY] = language
