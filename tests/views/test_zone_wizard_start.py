"""WizardStartView: Add zone resumes the user's draft or starts one (POST only)."""
import pytest
from django.urls import reverse

from tests.zone_wizard_helpers import step_url
from zones.models import ZoneWizardDraft

pytestmark = pytest.mark.django_db
START = reverse("zones:wizard_start")


def test_add_zone_starts_a_draft_then_resumes_it(admin_client, admin_user):
    response = admin_client.post(START)
    draft = ZoneWizardDraft.objects.get()
    assert draft.user == admin_user and response.url == step_url(draft, "type")
    draft.current_step = "zone"
    draft.save()
    assert admin_client.post(START).url == step_url(draft, "zone")
    assert ZoneWizardDraft.objects.count() == 1


def test_a_new_draft_on_request(admin_client):
    admin_client.post(START)
    admin_client.post(START, {"new": "1"})
    assert ZoneWizardDraft.objects.count() == 2


def test_get_creates_nothing(admin_client):
    assert admin_client.get(START).status_code == 405
    assert not ZoneWizardDraft.objects.exists()
