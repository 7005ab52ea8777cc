"""Helpers for the zone wizard tests: valid values for every step, and a
walk through the steps with the test client."""
from django.urls import reverse

from zones.models import ZoneWizardDraft

STEP_DATA = {
    "type": {"network_type": "Basic"},
    "zone": {"name": "zone1", "dns1": "8.8.8.8", "dns2": "8.8.4.4", "internal_dns1": "192.168.10.2",
             "internal_dns2": "", "hypervisor": "XenServer", "network_domain": "cs1cloud.internal"},
    "pod": {"name": "pod1", "gateway": "192.168.10.1", "netmask": "255.255.255.0",
            "start_ip": "192.168.10.100", "end_ip": "192.168.10.150"},
    "guest-network": {"guest_gateway": "192.168.10.1", "guest_netmask": "255.255.255.0",
                      "guest_start_ip": "192.168.10.151", "guest_end_ip": "192.168.10.200"},
    "cluster": {"name": "cluster1"},
    "host": {"host_name": "192.168.10.20", "username": "root", "password": "host-password-Secret-42"},
    "primary-storage": {"name": "primary1", "protocol": "NFS", "server": "192.168.10.5", "path": "/export/primary"},
    "secondary-storage": {"nfs_server": "127.0.0.1", "path": "/export/secondary"},
}
ORDER = ["type", "zone", "pod", "guest-network", "cluster", "host", "primary-storage", "secondary-storage"]


def step_url(draft, step):
    return reverse("zones:wizard_step", args=[draft.pk if hasattr(draft, "pk") else draft, step])


def start(client):
    response = client.post(reverse("zones:wizard_start"))
    assert response.status_code == 302, response
    return ZoneWizardDraft.objects.order_by("-id").first()


def fill(client, draft, until="secondary-storage", **overrides):
    """POST every step up to and including `until` (not the share check)."""
    for step in ORDER:
        if step == "secondary-storage":
            break
        response = client.post(step_url(draft, step), {**STEP_DATA[step], **overrides.get(step.replace("-", "_"), {})})
        assert response.status_code == 302, (step, response.content.decode()[:2000])
        if step == until:
            break
    draft.refresh_from_db()
    return draft


def mark_share_checked(draft, status="ok", message="reachable, 2 templates found"):
    """Record a share check outcome in the draft, as the worker would (view
    tests that are not about the check itself run without a worker)."""
    values = STEP_DATA["secondary-storage"]
    draft.data["secondary-storage"] = dict(values)
    draft.share_check = {"token": "t", "server": values["nfs_server"], "path": values["path"],
                         "status": status, "message": message, "templates": 2}
    draft.save()
    return draft
