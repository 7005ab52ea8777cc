"""Edit template page: the form shows the template's values, bad input is a
400 that changes nothing, an unknown template a 404; OS types are listed
and filter the Templates list."""
import pytest
from django.utils import timezone, translation

from cloudadmin import config
from cloudadmin.messages import english, render
from cloudadmin.models import Event
from storage.models import GuestOsType, Template, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    return Template.objects.create(id=77, account_id=2, name="centos", description="CentOS", filename="a.qcow2",
                                   properties={"filename": "a.qcow2", "id": "77", "uniquename": "centos",
                                               "public": "false"})


def test_the_form_shows_the_current_values(admin_client, template):
    page = admin_client.get("/templates/77/edit/").content.decode()
    assert 'value="centos"' in page and "Other (64-bit)" in page and "Windows Server 2008 R2 (64-bit)" in page


@pytest.mark.parametrize("data, field", [
    ({"name": "", "description": "x"}, "name"),
    ({"name": "two\nlines", "description": "x"}, "name"),
    ({"name": "ok", "description": ""}, "description"),
    ({"name": "ok", "description": "x", "os_type": "999999"}, "os_type"),
    ({"name": "x" * 256, "description": "x"}, "name"),
])
def test_bad_input_is_a_400_and_changes_nothing(admin_client, template, data, field):
    other = GuestOsType.objects.get(name="Other (64-bit)")
    response = admin_client.post("/templates/77/edit/", {"os_type": other.pk, **data})
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    template.refresh_from_db()
    assert template.name == "centos" and not Transfer.objects.exists()
    assert not Event.objects.filter(action="template.edit").exists()


def test_an_unknown_or_deleted_template_is_a_404(admin_client, template):
    assert admin_client.get("/templates/404404/edit/").status_code == 404
    assert admin_client.post("/templates/404404/edit/", {"name": "x"}).status_code == 404
    Template.objects.filter(pk=77).update(deleted=timezone.now())
    assert admin_client.get("/templates/77/edit/").status_code == 404
    assert admin_client.post("/templates/77/edit/", {"name": "x", "description": "x"}).status_code == 404
    assert Template.objects.get(pk=77).name == "centos"


def test_saving_records_an_event_and_queues_the_properties_update(admin_client, template, django_capture_on_commit_callbacks):
    from zones.models import Zone
    from storage.models import TemplateLocation
    zone = Zone.objects.create(name="Z1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="XenServer")
    TemplateLocation.objects.create(template=template, zone=zone, state="Ready", path="template/tmpl/2/77")
    centos = GuestOsType.objects.get(name="CentOS 5.3 (64-bit)")
    with django_capture_on_commit_callbacks():
        response = admin_client.post("/templates/77/edit/", {"name": "centos-5", "description": "CentOS 5.3",
                                                             "os_type": centos.pk, "password_enabled": "on"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.properties["uniquename"] == "centos-5" and template.properties["public"] == "false"
    assert template.os_type == centos and template.password_enabled
    event = Event.objects.get(action="template.edit")
    assert event.target == "T-77" and english(event.detail) == "changed name, display text, OS type, password enabled"
    with translation.override("ja"):  # coded: the Events page shows it in the reader's language
        assert render(event.detail) == "変更：名前、表示テキスト、OSの種類、パスワード管理有効"
    [transfer] = Transfer.objects.filter(direction=Transfer.Direction.PROPERTIES)
    assert transfer.zone == zone and transfer.template == template


def test_os_types_are_shown_and_filter_the_list(admin_client, template):
    ubuntu = GuestOsType.objects.get(name="Ubuntu 12.04 (64-bit)")
    Template.objects.create(id=78, account_id=2, name="ubuntu", os_type=ubuntu)
    assert GuestOsType.objects.count() >= 30
    assert {"CentOS", "Ubuntu", "Windows", "Other"} <= set(GuestOsType.objects.values_list("category", flat=True))
    page = admin_client.get("/templates/").content.decode()
    assert "Ubuntu 12.04 (64-bit)" in page
    only_ubuntu = admin_client.get("/templates/", {"os_type": ubuntu.pk}).content.decode()
    assert 'data-testid="template-78"' in only_ubuntu and 'data-testid="template-77"' not in only_ubuntu
    # A template without an OS type is CloudStack's default, Other (64-bit).
    other = GuestOsType.objects.get(name="Other (64-bit)")
    only_other = admin_client.get("/templates/", {"os_type": other.pk}).content.decode()
    assert 'data-testid="template-77"' in only_other and 'data-testid="template-78"' not in only_other
    # An unknown OS type filters nothing out (the form is invalid), as for the other filters.
    assert "template-78" in admin_client.get("/templates/", {"os_type": "abc"}).content.decode()


def test_the_template_page_shows_the_settings_and_download_only_when_extractable(admin_client, template):
    page = admin_client.get("/templates/77/").content.decode()
    assert 'href="/templates/77/edit/"' in page and "Other (64-bit)" in page
    assert 'data-testid="download-template"' not in page
    Template.objects.filter(pk=77).update(extractable=True)
    page = admin_client.get("/templates/77/").content.decode()
    assert 'action="/templates/77/download/"' in page


def test_the_properties_update_is_listed_as_such_among_transfers(admin_client, template):
    from zones.models import Zone

    zone = Zone.objects.create(name="Z1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="XenServer")
    transfer = Transfer.objects.create(template=template, zone=zone, direction=Transfer.Direction.PROPERTIES)
    page = admin_client.get("/").content.decode()
    row = page[page.index(f'data-testid="transfer-{transfer.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "Update properties" in row and "Every copy" in row


def test_the_download_page_offers_a_link_only_for_an_extractable_template(admin_client, template):
    page = admin_client.get("/templates/77/download/").content.decode()
    assert "not extractable" in page and 'data-testid="new-download-link"' not in page
    Template.objects.filter(pk=77).update(extractable=True)
    page = admin_client.get("/templates/77/download/").content.decode()
    assert 'data-testid="new-download-link"' in page and 'data-testid="download-link"' not in page
    # Not in Swift yet: refused with the reason, nothing recorded as made.
    response = admin_client.post("/templates/77/download/")
    assert response.status_code == 409 and "not in Swift yet" in response.content.decode()
    assert Event.objects.get(action="template.extract").outcome == Event.Outcome.FAILURE
    assert admin_client.get("/templates/404404/download/").status_code == 404


def test_every_zone_turned_on_queues_the_copies_and_turned_off_keeps_them(admin_client, template, settings,
                                                                          django_capture_on_commit_callbacks):
    from storage.models import SecondaryStorage, TemplateLocation
    from zones.models import Zone

    def zone(name):
        made = Zone.objects.create(name=name, network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                                   hypervisor="KVM", allocation_state=Zone.AllocationState.ENABLED)
        SecondaryStorage.objects.create(zone=made, server="nfs.example", path=f"/export/{name}")
        return made

    config.change("swift.replicate.to.all.zones", "false")  # what Every zone is for
    holder, lacking = zone("Z1"), zone("Z2")
    TemplateLocation.objects.create(template=template, zone=holder, state="Ready", path="template/tmpl/2/77")
    Template.objects.filter(pk=77).update(swift_state=Template.SwiftState.STORED)
    other = GuestOsType.objects.get(name="Other (64-bit)")
    data = {"name": "centos", "description": "CentOS", "os_type": other.pk}
    assert 'name="cross_zones"' in admin_client.get("/templates/77/edit/").content.decode()
    with django_capture_on_commit_callbacks():
        assert admin_client.post("/templates/77/edit/", {**data, "cross_zones": "on"}).status_code == 302
    template.refresh_from_db()
    assert template.cross_zones
    [copy] = Transfer.objects.filter(direction=Transfer.Direction.DOWN)
    assert copy.zone == lacking and copy.template == template
    assert english(Event.objects.get(action="template.edit").detail) == "changed every zone setting"
    assert not Transfer.objects.filter(direction=Transfer.Direction.PROPERTIES).exists()  # not a property
    assert 'data-testid="cross-zones"' in admin_client.get("/templates/77/").content.decode()

    with django_capture_on_commit_callbacks():
        assert admin_client.post("/templates/77/edit/", data).status_code == 302
    template.refresh_from_db()
    assert not template.cross_zones and Transfer.objects.filter(direction=Transfer.Direction.DOWN).count() == 1
    assert 'data-testid="cross-zones"' not in admin_client.get("/templates/77/").content.decode()
