"""WizardDiscardView: abandoned wizard drafts can be deleted."""
import pytest
from django.test import Client
from django.urls import reverse

from cloudadmin.models import Event
from tests.zone_wizard_helpers import fill, start
from zones.models import ZoneWizardDraft

pytestmark = pytest.mark.django_db


def test_discard_deletes_the_draft(admin_client):
    draft = fill(admin_client, start(admin_client), until="zone")
    response = admin_client.post(reverse("zones:wizard_discard", args=[draft.pk]), follow=True)
    assert not ZoneWizardDraft.objects.exists()
    assert "The unfinished zone zone1 was discarded." in response.content.decode()
    event = Event.objects.get(action="zone.draft.discard")
    assert (event.target, event.username) == ("zone1", "admin")


def test_a_draft_without_a_name_yet(admin_client):
    draft = start(admin_client)
    assert "unnamed zone" in admin_client.get(reverse("zones:list")).content.decode()
    response = admin_client.post(reverse("zones:wizard_discard", args=[draft.pk]), follow=True)
    assert "The unfinished zone unnamed zone was discarded." in response.content.decode()


def test_only_the_owner_discards(admin_client, django_user_model):
    draft = start(admin_client)
    other = django_user_model.objects.create_user("other", password="x", is_staff=True)
    client = Client()
    client.force_login(other)
    assert client.post(reverse("zones:wizard_discard", args=[draft.pk])).url == reverse("zones:list")
    assert ZoneWizardDraft.objects.filter(pk=draft.pk).exists()
