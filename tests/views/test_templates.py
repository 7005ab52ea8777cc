"""Templates list: id, name, format, size, checksum and the availability
matrix per zone and Swift; filters; constant number of queries."""
import pytest
from django.urls import reverse

from storage.models import TemplateLocation, Transfer
from tests.storage_rows import make_location, make_template, make_transfer, make_zone, seed_bulk

pytestmark = pytest.mark.django_db
URL = reverse("storage:templates")


@pytest.fixture
def matrix():
    zone_a, zone_b, zone_off = make_zone("zone-a"), make_zone("zone-b"), make_zone("zone-off", enabled=False)
    stored = make_template(1, "routing-1", stored=True, size=3 * 1024 * 1024)
    make_location(stored, zone_a)
    broken = make_template(5, "centos53")
    make_location(broken, zone_b, TemplateLocation.State.INVALID, "the image is smaller than size=")
    uploading = make_template(7, "debian")
    make_location(uploading, zone_a)
    make_transfer(uploading, zone_a, Transfer.State.RUNNING)
    copying = make_template(9, "alpine", stored=True)
    make_location(copying, zone_a)
    make_transfer(copying, zone_b, Transfer.State.QUEUED, direction=Transfer.Direction.DOWN)
    return zone_a, zone_b, zone_off


def _cell(body, template_id, column):
    marker = f'data-testid="cell-{template_id}-{column}" data-state="'
    start = body.index(marker) + len(marker)
    return body[start:body.index('"', start)]


def test_columns_and_matrix(admin_client, matrix):
    zone_a, zone_b, zone_off = matrix
    response = admin_client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("routing-1", "VHD", "3.0\xa0MB", "0" * 32, "zone-a", "zone-b", "zone-off"):
        assert text in body
    assert (_cell(body, 1, zone_a.pk), _cell(body, 1, zone_b.pk), _cell(body, 1, "swift")) == \
        ("ready", "absent", "stored")
    assert _cell(body, 5, zone_b.pk) == "invalid" and "the image is smaller than size=" in body
    assert _cell(body, 5, "swift") == "not-stored"
    assert _cell(body, 7, "swift") == "copying"  # upload running
    assert _cell(body, 9, zone_b.pk) == "copying"  # copy down queued


def test_copy_to_zone_offered_only_where_it_applies(admin_client, matrix):
    zone_a, zone_b, zone_off = matrix
    body = admin_client.get(URL).content.decode()
    copy_1 = reverse("storage:template_copy", args=[1])
    # In Swift, enabled zone-b lacks it: offered once; not for zone-a (has it) nor the disabled zone.
    assert body.count(f'action="{copy_1}"') == 1 and f'name="zone" value="{zone_b.pk}"' in body
    assert f'action="{reverse("storage:template_copy", args=[5])}"' not in body  # not in Swift
    assert f'action="{reverse("storage:template_copy", args=[9])}"' not in body  # zone-b copying, zone-a has it


def test_the_matrix_refreshes_itself_fast_only_while_a_copy_on_the_page_runs(admin_client, matrix):
    body = admin_client.get(URL).content.decode()
    assert "every 2s" in body and 'data-poll="2"' in body  # templates 7 and 9 are being copied
    body = admin_client.get(URL, {"q": "routing"}).content.decode()
    assert "every 2s" not in body and 'data-poll="10"' in body  # idle: slowly
    assert "transfers-changed from:body" in body


def test_filters(admin_client, matrix):
    zone_a, zone_b, _ = matrix

    def ids(**query):
        return [row.template.pk for row in admin_client.get(URL, query).context["rows"]]

    assert ids() == [1, 5, 7, 9]
    assert ids(q="5") == [5]
    assert ids(q="deb") == [7]
    assert ids(zone=zone_b.pk) == [5]
    assert ids(swift="Stored") == [1, 9]
    assert ids(swift="Absent", zone=zone_a.pk) == [7]
    assert admin_client.get(URL, {"zone": "x", "swift": "?"}).status_code == 200


def test_htmx_gets_the_table_and_page_header_has_an_actions_block(admin_client, matrix):
    body = admin_client.get(URL, {"q": "routing"}, HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<div id="template-table"') and "<header" not in body
    assert 'hx-get="/templates/?q=routing"' in body
    page = admin_client.get(URL).content.decode()
    assert "<h1" in page and "Templates" in page


def test_pagination_keeps_the_filter(admin_client):
    zone = make_zone("zone-p")
    for i in range(30):
        make_location(make_template(2000 + i, stored=True), zone)
    body = admin_client.get(URL, {"swift": "Stored"}).content.decode()
    assert "swift=Stored&amp;page=2" in body


@pytest.mark.parametrize("template_count", [10, 2000])
def test_constant_number_of_queries(admin_client, django_assert_max_num_queries, template_count):
    zones = [make_zone(f"zone-{i}") for i in range(3)]
    seed_bulk(template_count, zones)
    # session, user, count, page, zones, locations, active transfers, the zone filter's choices
    with django_assert_max_num_queries(8):
        response = admin_client.get(URL)
    assert len(response.context["rows"]) == min(25, template_count)
    assert all(len(row.zones) == 3 for row in response.context["rows"])
    with django_assert_max_num_queries(8):
        response = admin_client.get(URL, {"q": "bulk", "zone": zones[1].pk, "swift": "Stored"},
                                    HTTP_HX_REQUEST="true")
    assert len(response.context["rows"]) == min(25, template_count)
