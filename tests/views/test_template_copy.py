"""Copy to zone (Templates list and detail): a copy down from Swift to an
enabled zone lacking the template, through storage.transfers."""
import pytest
from django.urls import reverse

from cloudadmin.models import Event
from storage.models import TemplateLocation, Transfer
from tests.storage_rows import make_location, make_template, make_transfer, make_zone

pytestmark = pytest.mark.django_db


def _url(template_id):
    return reverse("storage:template_copy", args=[template_id])


@pytest.fixture
def zones():
    return make_zone("zone-a"), make_zone("zone-b"), make_zone("zone-off", enabled=False)


def test_copy_to_zone_queues_a_download(admin_client, zones, django_capture_on_commit_callbacks):
    zone_a, zone_b, _ = zones
    template = make_template(61, stored=True)
    make_location(template, zone_a)
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(_url(61), {"zone": zone_b.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == "transfers-changed"
    transfer = Transfer.objects.get(template=template)
    assert (transfer.direction, transfer.zone, transfer.state) == (Transfer.Direction.DOWN, zone_b, Transfer.State.QUEUED)
    assert len(callbacks) == 1
    assert Event.objects.filter(action="transfer.queue", target="T-61", username="admin").exists()
    # The matrix now says "copying" for that cell.
    body = admin_client.get(reverse("storage:templates")).content.decode()
    assert f'data-testid="cell-61-{zone_b.pk}" data-state="copying"' in body


def test_copy_without_htmx_returns_to_the_page(admin_client, zones):
    template = make_template(62, stored=True)
    response = admin_client.post(_url(62), {"zone": zones[1].pk, "next": reverse("storage:template", args=[62])})
    assert response.status_code == 302 and response.url == reverse("storage:template", args=[62])
    assert Transfer.objects.filter(template=template).count() == 1


@pytest.mark.parametrize("case", ["not-in-swift", "disabled", "has-it", "already-copying", "no-zone", "bad-zone",
                                  "unicode-digit-zone"])
def test_copy_refusals(admin_client, zones, case):
    zone_a, zone_b, zone_off = zones
    template = make_template(63, stored=case != "not-in-swift")
    make_location(template, zone_a, TemplateLocation.State.READY)
    if case == "already-copying":
        make_transfer(template, zone_b, Transfer.State.RUNNING, direction=Transfer.Direction.DOWN)
    zone = {"disabled": zone_off.pk, "has-it": zone_a.pk, "no-zone": "", "bad-zone": "x9",
            "unicode-digit-zone": "\u00b2"}.get(case, zone_b.pk)
    before = Transfer.objects.count()
    response = admin_client.post(_url(63), {"zone": zone}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    message = {"not-in-swift": "is not in Swift yet", "disabled": "is disabled", "has-it": "already has template",
               "already-copying": "already queued or running", "no-zone": "Choose a zone",
               "bad-zone": "Choose a zone", "unicode-digit-zone": "Choose a zone"}[case]
    assert message in response.content.decode()
    assert Transfer.objects.count() == before
    refusal = Event.objects.get(action="transfer.queue")  # the refused attempt, recorded
    assert (refusal.outcome, refusal.target, refusal.username) == ("failure", "T-63", "admin")


def test_get_is_not_allowed_and_unknown_template_is_404(admin_client, zones):
    make_template(64, stored=True)
    assert admin_client.get(_url(64)).status_code == 405
    assert admin_client.post(_url(99999), {"zone": zones[1].pk}).status_code == 404
    assert not Transfer.objects.exists()


def test_detail_page_offers_copy_to_zone(admin_client, zones):
    zone_a, zone_b, _ = zones
    template = make_template(65, stored=True)
    make_location(template, zone_a)
    body = admin_client.get(reverse("storage:template", args=[65])).content.decode()
    assert f'action="{_url(65)}"' in body and f'name="zone" value="{zone_b.pk}"' in body
