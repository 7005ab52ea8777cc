"""Recording audit events. Call `record()`; never build Event rows by hand."""
from .models import Event


def record(action, *, user=None, username="", target="", outcome=Event.Outcome.SUCCESS, detail=""):
    if user is not None and getattr(user, "is_authenticated", False):
        username = username or user.get_username()
    else:
        user = None
    return Event.objects.create(
        user=user, username=username[:150], action=action, target=str(target)[:255],
        outcome=outcome, detail=detail,
    )


def record_failure(action, **kwargs):
    return record(action, outcome=Event.Outcome.FAILURE, **kwargs)
