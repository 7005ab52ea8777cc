"""ZoneListView: the zones with their state, Add zone, and unfinished drafts."""
import pytest
from django.urls import reverse

from storage.models import SecondaryStorage
from tests.zone_wizard_helpers import fill, start, step_url
from zones.models import Zone

pytestmark = pytest.mark.django_db
LIST = reverse("zones:list")


def test_columns_and_values(admin_client):
    zone = Zone.objects.create(name="zone1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="KVM", allocation_state="Enabled")
    SecondaryStorage.objects.create(zone=zone, server="127.0.0.1", path="/export/secondary", state="Up",
                                    state_reason="reachable, 2 templates found")
    body = admin_client.get(LIST).content.decode()
    for header in ("Name", "Type", "Hypervisor", "Allocation state", "Secondary storage", "Templates"):
        assert f"<th>{header}</th>" in body
    row = body[body.index('data-testid="zone-row"'):]
    row = row[:row.index("</tr>")]
    assert f'href="{reverse("zones:detail", args=[zone.pk])}">zone1</a>' in row
    for cell in ("Basic", "KVM", "Enabled", "Up"):
        assert f">{cell}<" in row
    assert "nfs://127.0.0.1/export/secondary: reachable, 2 templates found" in row
    assert row.rstrip().endswith("<td>0</td>")  # no scan yet: no templates known


def test_template_count_is_what_the_last_scan_found(admin_client):
    from storage.models import Template, TemplateLocation

    zone = Zone.objects.create(name="zone1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="KVM")
    other = Zone.objects.create(name="zone2", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                                hypervisor="KVM")
    for template_id, state in ((1, "Ready"), (5, "Invalid"), (7, "Missing")):
        template = Template.objects.create(id=template_id, name=f"t{template_id}")
        TemplateLocation.objects.create(template=template, zone=zone, state=state)
    TemplateLocation.objects.create(template=Template.objects.get(id=1), zone=other, state="Ready")
    body = admin_client.get(LIST).content.decode()
    rows = body.split('data-testid="zone-row"')[1:]
    assert rows[0].split("</tr>")[0].rstrip().endswith("<td>2</td>")  # Missing is gone from the share
    assert rows[1].split("</tr>")[0].rstrip().endswith("<td>1</td>")


def test_add_zone_is_a_post_button(admin_client):
    body = admin_client.get(LIST).content.decode()
    assert f'action="{reverse("zones:wizard_start")}"' in body and ">Add zone</button>" in body


def test_unfinished_drafts_listed_with_resume_and_discard(admin_client):
    assert "Unfinished zones" not in admin_client.get(LIST).content.decode()
    draft = fill(admin_client, start(admin_client), until="zone")
    body = admin_client.get(LIST).content.decode()
    assert "Unfinished zones" in body and "zone1" in body
    assert f'href="{step_url(draft, "pod")}">Resume</a>' in body
    assert f'action="{reverse("zones:wizard_discard", args=[draft.pk])}"' in body
