"""WizardStepView: each step of Add zone, its validation, the draft that
keeps it across requests, the htmx step swap, and the share check."""
import shutil

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cloudadmin.models import Event
from storage.secondary import nfs
from storage.secondary.demo import create_demo_secondary_storage
from tests.swift_setup_helpers import put_enable_swift_in_effect
from tests.zone_wizard_helpers import STEP_DATA, fill, start, step_url
from zones.models import ZoneWizardDraft

pytestmark = pytest.mark.django_db


def test_first_step_shows_the_progress_of_nine_steps(admin_client):
    draft = start(admin_client)
    response = admin_client.get(step_url(draft, "type"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Step 1 of 9" in body and 'aria-current="step"' in body
    for title in ("Zone type", "Zone", "Pod", "Guest network", "Cluster", "Host", "Primary storage",
                  "Secondary storage", "Review"):
        assert f"</span> {title}" in body
    assert ">Next</button>" in body and ">Back<" not in body  # no Back on the first step
    # The radios are styled, and "Zone type" is said once (the legend only for screen readers).
    assert 'type="radio" name="network_type" value="Basic" class="form-check-input"' in body
    assert '<legend class="form-label fs-6 visually-hidden">Zone type</legend>' in body


def test_invalid_step_is_refused_with_the_message_and_nothing_saved(admin_client):
    draft = fill(admin_client, start(admin_client), until="zone")
    response = admin_client.post(step_url(draft, "pod"), {**STEP_DATA["pod"], "gateway": "192.168.11.1"})
    assert response.status_code == 400
    assert "192.168.10.100 is outside the gateway&#x27;s subnet 192.168.11.0/24." in response.content.decode()
    draft.refresh_from_db()
    assert "pod" not in draft.data and draft.current_step == "pod"


def test_next_goes_to_the_next_step(admin_client):
    draft = start(admin_client)
    response = admin_client.post(step_url(draft, "type"), STEP_DATA["type"])
    assert response.status_code == 302 and response.url == step_url(draft, "zone")


def test_htmx_step_swap_answers_the_next_fragment_and_pushes_its_url(admin_client):
    draft = start(admin_client)
    response = admin_client.post(step_url(draft, "type"), STEP_DATA["type"], HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Push-Url"] == step_url(draft, "zone")
    assert body.lstrip().startswith('<div id="wizard"') and "<html" not in body
    assert "Step 2 of 9" in body and 'id="id_dns1"' in body
    assert "HX-Request" in response["Vary"]
    refused = admin_client.post(step_url(draft, "zone"), {"name": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()


def test_steps_ahead_are_closed(admin_client):
    draft = fill(admin_client, start(admin_client), until="type")
    response = admin_client.get(step_url(draft, "host"))
    assert response.status_code == 302 and response.url == step_url(draft, "zone")
    assert admin_client.get(step_url(draft, "no-such-step")).status_code == 404


def test_draft_persists_across_requests_sessions_and_back(admin_client, admin_user):
    draft = fill(admin_client, start(admin_client), until="pod")
    # Another session of the same user, later: Add zone resumes where the wizard was.
    later = Client()
    later.force_login(admin_user)
    response = later.post(reverse("zones:wizard_start"))
    assert response.url == step_url(draft, "guest-network")
    # Back to the zone step: the saved values are there.
    body = later.get(step_url(draft, "zone")).content.decode()
    assert 'value="zone1"' in body and 'value="8.8.4.4"' in body and 'value="cs1cloud.internal"' in body
    # ...and Add zone now resumes at the step shown last.
    assert later.post(reverse("zones:wizard_start")).url == step_url(draft, "zone")
    assert ZoneWizardDraft.objects.count() == 1


def test_drafts_belong_to_their_user(admin_client, django_user_model):
    draft = start(admin_client)
    other = django_user_model.objects.create_user("other", password="x", is_staff=True)
    client = Client()
    client.force_login(other)
    assert client.get(step_url(draft, "type")).url == reverse("zones:list")
    assert client.post(step_url(draft, "type"), STEP_DATA["type"]).url == reverse("zones:list")
    draft.refresh_from_db()
    assert draft.data == {}  # nothing saved


def test_a_discarded_drafts_url_goes_to_the_zone_list_with_a_message(admin_client):
    draft = fill(admin_client, start(admin_client), until="zone")
    admin_client.post(reverse("zones:wizard_discard", args=[draft.pk]))
    response = admin_client.get(step_url(draft, "zone"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("zones:list")
    assert "This zone wizard was already launched or discarded." in response.content.decode()
    # Next in a tab left open: the whole page goes, not a silent failure.
    response = admin_client.post(step_url(draft, "zone"), STEP_DATA["zone"], HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("zones:list")
    assert not ZoneWizardDraft.objects.exists()


def test_advanced_zone_has_no_guest_network_step(admin_client):
    draft = fill(admin_client, start(admin_client), until="type", type={"network_type": "Advanced"})
    body = admin_client.get(step_url(draft, "zone")).content.decode()
    assert "Step 2 of 8" in body and "Guest network" not in body and "Guest CIDR" in body
    admin_client.post(step_url(draft, "zone"), {**STEP_DATA["zone"], "guest_cidr": "10.1.1.0/24"})
    response = admin_client.post(step_url(draft, "pod"), STEP_DATA["pod"])
    assert response.url == step_url(draft, "cluster")


def test_host_password_is_encrypted_in_the_draft_and_never_rendered(admin_client):
    draft = fill(admin_client, start(admin_client), until="host")
    secret = STEP_DATA["host"]["password"]
    assert draft.host_password == secret and "password" not in draft.data["host"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT host_password FROM zones_zonewizarddraft WHERE id = %s", [draft.pk])
        assert secret not in cursor.fetchone()[0]
    body = admin_client.get(step_url(draft, "host")).content.decode()
    assert secret not in body and "A password is saved. Leave this empty to keep it." in body
    # Saving again with an empty password keeps the saved one.
    admin_client.post(step_url(draft, "host"), {**STEP_DATA["host"], "password": ""})
    draft.refresh_from_db()
    assert draft.host_password == secret
    refused = admin_client.post(step_url(draft, "host"), {**STEP_DATA["host"], "host_name": "bad host"})
    assert refused.status_code == 400 and secret not in refused.content.decode()


def test_swift_ordering_warning_needs_the_confirmation(admin_client):
    put_enable_swift_in_effect("true")
    draft = start(admin_client)
    body = admin_client.get(step_url(draft, "type")).content.decode()
    assert 'data-testid="swift-warning"' in body
    assert "Creating a zone now means Swift can never be added to this cloud" in body
    refused = admin_client.post(step_url(draft, "type"), STEP_DATA["type"])
    assert refused.status_code == 400 and "Tick the confirmation" in refused.content.decode()
    accepted = admin_client.post(step_url(draft, "type"), {**STEP_DATA["type"], "confirm_no_swift": "on"})
    assert accepted.status_code == 302


def test_no_swift_warning_when_enable_swift_is_off(admin_client):
    put_enable_swift_in_effect("false")
    draft = start(admin_client)
    assert 'data-testid="swift-warning"' not in admin_client.get(step_url(draft, "type")).content.decode()


def test_secondary_storage_fields_are_labelled_as_in_cloudstack(admin_client):
    draft = fill(admin_client, start(admin_client), until="primary-storage")
    body = admin_client.get(step_url(draft, "secondary-storage")).content.decode()
    assert '<label class="form-label" for="id_nfs_server">NFS Server</label>' in body
    assert '<label class="form-label" for="id_path">Path</label>' in body


def test_no_worker_answers_then_go_on_unchecked(admin_client, settings):
    """No worker runs in this test: the check is queued and nobody answers."""
    settings.SHARE_CHECK_WAIT = 0.5
    draft = fill(admin_client, start(admin_client), until="primary-storage")
    response = admin_client.post(step_url(draft, "secondary-storage"), STEP_DATA["secondary-storage"])
    body = response.content.decode()
    assert response.status_code == 200
    assert "No worker answered: the share was not checked." in body
    assert "Go on without the check" in body
    draft.refresh_from_db()
    assert draft.share_check["status"] == "pending"
    response = admin_client.post(step_url(draft, "secondary-storage"),
                                 {**STEP_DATA["secondary-storage"], "go_on_unchecked": "on"})
    assert response.status_code == 302 and response.url == step_url(draft, "review")
    draft.refresh_from_db()
    assert draft.share_check["status"] == "unchecked"
    body = admin_client.get(step_url(draft, "review")).content.decode()
    assert "Not checked: no worker answered." in body


def test_a_reload_while_the_check_runs_says_so(admin_client, settings):
    settings.SHARE_CHECK_WAIT = 3600  # the check asked below is still within its wait
    draft = fill(admin_client, start(admin_client), until="primary-storage")
    draft.data["secondary-storage"] = dict(STEP_DATA["secondary-storage"])
    draft.save()
    from zones import wizard

    wizard.start_share_check(draft, STEP_DATA["secondary-storage"])  # no worker runs here
    body = admin_client.get(step_url(draft, "secondary-storage")).content.decode()
    assert "A worker is checking the share." in body and "No worker answered" not in body
    settings.SHARE_CHECK_WAIT = 0
    body = admin_client.get(step_url(draft, "secondary-storage")).content.decode()
    assert "No worker answered" in body


@pytest.fixture
def demo_share():
    """The demo store where the test worker finds nfs://127.0.0.1/export/secondary."""
    folder = nfs.local_path("127.0.0.1", "/export/secondary")
    shutil.rmtree(folder, ignore_errors=True)
    create_demo_secondary_storage(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_share_checked_by_a_real_worker(celery_worker, admin_client, demo_share):
    draft = fill(admin_client, start(admin_client), until="primary-storage")
    refused = admin_client.post(step_url(draft, "secondary-storage"),
                                {"nfs_server": "127.0.0.1", "path": "/export/missing"})
    assert refused.status_code == 400, celery_worker.log()
    missing = nfs.local_path("127.0.0.1", "/export/missing")
    assert (f"Not mounted: {missing} does not exist on the worker host. Mount nfs://127.0.0.1/export/missing "
            "there, or map it in NFS_MOUNTS.") in refused.content.decode()

    response = admin_client.post(step_url(draft, "secondary-storage"), STEP_DATA["secondary-storage"])
    assert response.status_code == 302 and response.url == step_url(draft, "review")
    review = admin_client.get(response.url).content.decode()
    assert "reachable, 2 templates found" in review and "nfs://127.0.0.1/export/secondary" in review
    back = admin_client.get(step_url(draft, "secondary-storage")).content.decode()
    assert "127.0.0.1/export/secondary: reachable, 2 templates found" in back
    assert not Event.objects.filter(outcome="failure").exists()


@pytest.fixture
def ja_client(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(admin_user)
    yield client
    # The test client runs requests in this thread, and LocaleMiddleware
    # leaves Japanese active: later tests must not inherit it.
    translation.deactivate()


def test_every_step_in_japanese(ja_client, settings):
    """Each step, a refusal, the no-worker warning and the review carry no
    English UI string (the checks of tests/views/test_japanese_pages.py)."""
    from tests.views.test_japanese_pages import english_left_on

    settings.SHARE_CHECK_WAIT = 0.2
    put_enable_swift_in_effect("true")
    client = ja_client
    draft = start(client)

    def shows_no_english(response):
        left = english_left_on(response.content.decode())
        assert not left, f"{response.request['PATH_INFO']} shows English: {left}"
        return response.content.decode()

    assert "ゾーンの種類" in shows_no_english(client.get(step_url(draft, "type")))
    shows_no_english(client.post(step_url(draft, "type"), STEP_DATA["type"]))  # the confirmation refused
    client.post(step_url(draft, "type"), {**STEP_DATA["type"], "confirm_no_swift": "on"})
    for step in ("zone", "pod", "guest-network", "cluster", "host", "primary-storage"):
        shows_no_english(client.get(step_url(draft, step)))
        bad = {name: "x" for name in STEP_DATA[step]}
        shows_no_english(client.post(step_url(draft, step), bad, HTTP_HX_REQUEST="true"))
        assert client.post(step_url(draft, step), STEP_DATA[step]).status_code == 302
    html = shows_no_english(client.post(step_url(draft, "secondary-storage"), STEP_DATA["secondary-storage"]))
    assert "NFSサーバー" in html and "ワーカーが応答しなかったため" in html
    client.post(step_url(draft, "secondary-storage"), {**STEP_DATA["secondary-storage"], "go_on_unchecked": "on"})
    html = shows_no_english(client.get(step_url(draft, "review")))
    assert "ゾーンの起動" in html and "未チェック：ワーカーが応答しませんでした。" in html
