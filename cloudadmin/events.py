"""Recording audit events. Call `record()`; never build Event rows by hand."""
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import messages
from .models import Event

# What the Events page calls each action; the code stays in the row (and in
# the filter), the label follows the user's language.
ACTION_LABELS = {
    "auth.login": _("Log in"),
    "auth.logout": _("Log out"),
    "auth.lockout": _("Login lockout"),
    "setting.change": _("Change a global setting"),
    "setting.apply": _("Apply a global setting"),
    "swift.enable": _("Enable Swift"),
    "swift.test": _("Test the Swift connection"),
    "swift.credentials": _("Change the Swift credentials"),
    "user.language": _("Change the language"),
    "user.password": _("Change the password"),
    "zone.create": _("Create a zone"),
    "zone.enable": _("Enable a zone"),
    "zone.disable": _("Disable a zone"),
    "zone.edit": _("Edit a zone"),
    "zone.draft.discard": _("Discard an unfinished zone"),
    "secondary_storage.state": _("Secondary storage state"),
    "zone.scan.requeue": _("Requeue a zone scan whose worker stopped"),
    "template.register": _("Register a template"),
    "template.edit": _("Edit a template"),
    "template.extract": _("Download a template"),
    "swift.tempurl.key": _("Set the Swift Temp-URL-Key"),
    "template.delete": _("Delete a template"),
    "template.deleted": _("Template deleted everywhere"),
    "template.restore": _("Undo a template's deletion from a zone"),
    "template.upload": _("Upload a template from local"),
    "transfer.queue": _("Queue a transfer"),
    "transfer.retry": _("Retry a transfer"),
    "transfer.cancel": _("Cancel a transfer"),
    "transfer.requeue": _("Requeue a transfer"),
    "transfer.done": _("Complete a transfer"),
    "transfer.fail": _("Fail a transfer"),
    "zone.scan": _("Scan a zone"),
    "zone.sync": _("Sync a zone"),
    "worker.ping": _("Check a worker"),
    "api.auth": _("Refuse an API request"),
    "api.key.generate": _("Generate API keys"),
    "api.key.regenerate": _("Regenerate API keys"),
    "api.key.revoke": _("Revoke API keys"),
    # Records the API creates one by one (the wizard's Launch is zone.create).
    "pod.create": _("Add a pod"),
    "pod.guest_range": _("Add a guest IP range"),
    "cluster.create": _("Add a cluster"),
    "host.create": _("Add a host"),
    "primary_storage.create": _("Add primary storage"),
    "secondary_storage.add": _("Add secondary storage"),
    "zone.delete": _("Delete a zone"),
    "pod.delete": _("Delete a pod"),
    "cluster.delete": _("Delete a cluster"),
    "host.delete": _("Delete a host"),
    "primary_storage.delete": _("Delete primary storage"),
    "secondary_storage.delete": _("Delete secondary storage"),
}


# The names events carry when no user acted (a worker, a periodic task).
SYSTEM_USERNAMES = {"worker": _("worker"), "system": _("system")}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def username_label(username: str) -> str:
    return str(SYSTEM_USERNAMES.get(username, username))


def username_of(user) -> str:
    """The user's name, or "" for None and anonymous users."""
    return user.get_username() if user is not None and getattr(user, "is_authenticated", False) else ""


def record(action, *, user=None, username="", target="", outcome=Event.Outcome.SUCCESS, detail=""):
    """Save one event. `detail` may be a coded message (cloudadmin.messages:
    stored as its code, shown in the reader's language), a lazy translation
    or an exception carrying one (kept coded too), or plain text."""
    if user is not None and getattr(user, "is_authenticated", False):
        username = username or user.get_username()
    else:
        user = None
    detail = messages.encode(detail)
    with translation.override(settings.LANGUAGE_CODE):
        target = str(target)
    return Event.objects.create(
        user=user, username=username[:150], action=action, target=target[:255],
        outcome=outcome, detail=detail,
    )


def record_failure(action, **kwargs):
    return record(action, outcome=Event.Outcome.FAILURE, **kwargs)
