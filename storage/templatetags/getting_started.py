"""The getting-started panel of the dashboard and the Zones page: the steps
to the first enabled zone, each with its state and the page where it is
done, shown until a zone is enabled. With DEBUG on, `make run`'s demo
values to type are shown next to the steps that ask for them."""
from dataclasses import dataclass, field

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cloudadmin import config
from cloudadmin.models import GlobalSetting
from storage.swift.localswift import AUTH_KEY, AUTH_USER
from storage.models import SwiftStore
from zones.models import Zone

register = template.Library()


@dataclass
class Step:
    label: str
    done: bool
    url: str
    link: str
    state: str = ""  # shown instead of done / to do, e.g. "restart pending"
    hint: str = ""
    demo: list = field(default_factory=list)  # (label, value) to type, DEBUG only


def demo_swift() -> list:
    account, _sep, user = AUTH_USER.partition(":")
    return [(_("URL"), f"http://127.0.0.1:{settings.SWIFT_PORT}/auth/v1.0"), (_("Account"), account),
            (_("Username"), user), (_("Key"), AUTH_KEY)]


def demo_nfs() -> list:
    """The first share of NFS_MOUNTS (make run's demo secondary storage)."""
    for mount in settings.NFS_MOUNTS:
        url = mount.partition("=")[0]
        if url.startswith("nfs://"):
            server, _sep, path = url[len("nfs://"):].partition("/")
            return [(_("NFS Server"), server), (_("Path"), "/" + path)]
    return []


def steps() -> list[Step]:
    setting = GlobalSetting.objects.filter(name="enable.swift").first()
    in_effect = bool(config.value("enable.swift"))
    pending = bool(setting and setting.has_pending_change)
    configured = SwiftStore.objects.exists()
    first_zone = Zone.objects.order_by("pk").first()
    zones_url = reverse("zones:list")
    demo = settings.DEBUG
    return [
        Step(_("Set enable.swift to true"), in_effect or (pending and setting.pending_value == "true"),
             reverse("global_settings") + "?q=enable.swift", _("Global Settings")),
        Step(_("Restart the management server"), in_effect, reverse("global_settings") + "?q=enable.swift",
             _("Global Settings"), state=_("restart pending") if pending else "",
             hint=settings.RESTART_COMMAND if pending else ""),
        Step(_("Enable Swift"), configured, zones_url, _("Zones"), demo=demo_swift() if demo else []),
        Step(_("Add a zone"), first_zone is not None, zones_url, _("Zones"), demo=demo_nfs() if demo else []),
        Step(_("Enable the zone"), False,
             reverse("zones:detail", args=[first_zone.pk]) if first_zone else zones_url,
             first_zone.name if first_zone else _("Zones")),
    ]


@register.inclusion_tag("storage/_getting_started.html")
def getting_started(zones=None, css=""):
    """The panel, or nothing once a zone is enabled. `zones`: the page's
    zones when it has them all already (no query for the check); `css`:
    the class of a wrapper (a grid column)."""
    if zones is not None:
        any_enabled = any(zone.is_enabled for zone in zones)
    else:
        any_enabled = Zone.objects.filter(allocation_state=Zone.AllocationState.ENABLED).exists()
    if any_enabled:
        return {"steps": []}
    found = steps()
    upcoming = next((step for step in found if not step.done), None)
    return {"steps": found, "upcoming": upcoming, "css": css}
