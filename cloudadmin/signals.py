from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import events


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
    events.record_failure("auth.login", username=credentials.get("username", ""),
                          detail="wrong username or password")
