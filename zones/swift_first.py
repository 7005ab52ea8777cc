"""Swift is added before any zone, and never after one exists (as in
CloudStack, where templates already copied would otherwise be orphaned).
The one place of that rule: the Enable Swift action (storage) and the zone
wizard and API (zones) both ask here."""
from django.utils.translation import gettext_lazy as _

from cloudadmin import config
from storage.models import SwiftStore

from .models import Zone

NOT_ENABLED = _("Swift cannot be enabled: the global setting enable.swift is not in effect. "
                "Set it to true in Global Settings and restart the management server.")
ALREADY_CONFIGURED = _("Swift is already configured; it cannot be reconfigured.")
ZONE_EXISTS = _("Swift cannot be enabled once a zone exists: Swift must be added before any zone.")


def enable_swift_allowed() -> tuple[bool, str]:
    """(allowed, reason): Swift can be enabled only when enable.swift is in
    effect, no Swift is configured and no zone exists."""
    if not config.value("enable.swift"):
        return False, NOT_ENABLED
    if SwiftStore.objects.exists():
        return False, ALREADY_CONFIGURED
    if Zone.objects.exists():
        return False, ZONE_EXISTS
    return True, ""


def creating_a_zone_locks_out_swift() -> bool:
    """True while Swift could still be enabled: then the first zone closes
    that door for good (the wizard warns, the API asks for a confirmation)."""
    allowed, _reason = enable_swift_allowed()
    return allowed
