"""Edit zone page: the form shows the zone's values, a change is saved with
its event and leads back to the zone, bad input is a 400 that changes
nothing, and an unknown zone a 404."""
import pytest
from django.utils import translation

from cloudadmin.messages import english, render
from cloudadmin.models import Event
from zones.models import Zone

pytestmark = pytest.mark.django_db
VALID = {"name": "Tokyo", "dns1": "8.8.8.8", "dns2": "", "internal_dns1": "10.0.0.1", "internal_dns2": "",
         "network_domain": ""}


@pytest.fixture
def zone():
    return Zone.objects.create(name="Tokyo", network_type="Advanced", dns1="8.8.8.8", dns2="8.8.4.4",
                               internal_dns1="10.0.0.1", hypervisor="KVM", guest_cidr="10.1.1.0/24")


def _url(zone):
    return f"/zones/{zone.pk}/edit/"


def test_the_form_shows_the_values_and_not_what_stays(admin_client, zone):
    page = admin_client.get(_url(zone)).content.decode()
    assert 'value="Tokyo"' in page and 'value="8.8.4.4"' in page and 'name="internal_dns2"' in page
    assert 'name="hypervisor"' not in page and 'name="guest_cidr"' not in page
    assert f'href="{_url(zone)}"' in admin_client.get(f"/zones/{zone.pk}/").content.decode()


def test_saving_changes_the_zone_records_the_event_and_goes_back(admin_client, zone):
    response = admin_client.post(_url(zone), {**VALID, "name": "Tokyo-1", "dns2": "", "internal_dns2": "10.0.0.2",
                                              "network_domain": "Cloud.Internal"})
    assert response.status_code == 302 and response["Location"] == f"/zones/{zone.pk}/"
    zone.refresh_from_db()
    assert (zone.name, zone.dns2, zone.internal_dns2) == ("Tokyo-1", None, "10.0.0.2")
    assert zone.network_domain == "cloud.internal" and zone.guest_cidr == "10.1.1.0/24"  # normalized; kept
    event = Event.objects.get(action="zone.edit")
    assert event.target == "Tokyo-1"
    assert english(event.detail) == ("changed name, second DNS server, second internal DNS server, "
                                     "network domain (formerly Tokyo)")
    with translation.override("ja"):
        assert "旧名Tokyo" in render(event.detail) and "2台目の内部DNSサーバー" in render(event.detail)
    assert "Zone Tokyo-1 saved." in admin_client.get(response["Location"]).content.decode()
    # The same values again change nothing and record nothing.
    response = admin_client.post(_url(zone), {**VALID, "name": "Tokyo-1", "internal_dns2": "10.0.0.2",
                                              "network_domain": "cloud.internal"}, follow=True)
    assert "Nothing changed." in response.content.decode() and Event.objects.filter(action="zone.edit").count() == 1


@pytest.mark.parametrize("data, field", [
    ({"name": ""}, "name"),
    ({"name": "OSAKA"}, "name"),  # another zone's name, in another case
    ({"dns1": "8.8.8"}, "dns1"),
    ({"internal_dns2": "300.1.1.1"}, "internal_dns2"),
    ({"network_domain": "bad domain"}, "network_domain"),
])
def test_bad_input_is_a_400_and_changes_nothing(admin_client, zone, data, field):
    Zone.objects.create(name="Osaka", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                        hypervisor="KVM")
    response = admin_client.post(_url(zone), {**VALID, **data})
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    zone.refresh_from_db()
    assert zone.name == "Tokyo" and zone.dns2 == "8.8.4.4" and not Event.objects.filter(action="zone.edit").exists()


def test_an_unknown_zone_is_a_404_and_a_get_changes_nothing(admin_client, zone):
    assert admin_client.get("/zones/404404/edit/").status_code == 404
    assert admin_client.post("/zones/404404/edit/", VALID).status_code == 404
    assert not Event.objects.filter(action="zone.edit").exists()


def test_editing_needs_a_login(client, zone):
    response = client.post(_url(zone), {**VALID, "name": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    zone.refresh_from_db()
    assert zone.name == "Tokyo"
