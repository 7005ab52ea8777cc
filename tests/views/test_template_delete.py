"""Delete templates (the template page's Delete, the Templates list's Delete
selected): the confirmation page lists every copy; its POST queues one
deletion transfer per ticked copy and records the intent, or refuses with
the reason and writes nothing."""
import pytest
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.models import SwiftStore, Template, TemplateExclusion, TemplateLocation, Transfer
from storage.transfers import queueing
from tests.storage_rows import make_location, make_template, make_transfer, make_zone

pytestmark = pytest.mark.django_db
DELETE_ZONE, DELETE_SWIFT = Transfer.Direction.DELETE_ZONE, Transfer.Direction.DELETE_SWIFT


def _one(template_id):
    return reverse("storage:template_delete", args=[template_id])


def _swift():
    """A Swift that cannot be reached: the page says so and still offers its copy."""
    return SwiftStore.objects.create(url="http://127.0.0.1:9/auth/v1.0", username="t:u", key="k", auth_version="1.0")


@pytest.fixture
def placed():
    zone_a, zone_b = make_zone("zone-a"), make_zone("zone-b")
    template = make_template(5, "centos", stored=True)
    make_location(template, zone_a)
    make_location(template, zone_b, TemplateLocation.State.INVALID, "size mismatch")
    return template, zone_a, zone_b


def test_the_page_lists_every_copy_ticked(admin_client, placed):
    template, zone_a, zone_b = placed
    _swift()
    response = admin_client.get(_one(5))
    body = response.content.decode()
    assert response.status_code == 200
    for key in ("swift", f"zone-{zone_a.pk}", f"zone-{zone_b.pk}"):
        assert f'value="5:{key}" id="copy-5-{key}" checked' in body
    assert "Swift cannot be read" in body and "template/tmpl/1/5" in body
    assert 'data-testid="confirm-delete"' in body
    assert not Transfer.objects.exists() and not Event.objects.filter(action__startswith="template").exists()


def test_deleting_every_copy_queues_each_step_and_leaves_the_lists(admin_client, placed,
                                                                   django_capture_on_commit_callbacks):
    template, zone_a, zone_b = placed
    _swift()
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(_one(5), {"copy": ["5:swift", f"5:zone-{zone_a.pk}", f"5:zone-{zone_b.pk}"]})
    assert response.status_code == 302 and response.url == reverse("storage:template", args=[5])
    steps = set(Transfer.objects.values_list("direction", "zone_id", "state"))
    assert steps == {(DELETE_ZONE, zone_a.pk, "queued"), (DELETE_ZONE, zone_b.pk, "queued"),
                     (DELETE_SWIFT, None, "queued")}
    assert len(callbacks) == 3
    template.refresh_from_db()
    assert template.deleted is not None and template.swift_state == Template.SwiftState.ABSENT
    assert TemplateExclusion.objects.filter(template=template).count() == 2
    assert english(Event.objects.get(action="template.delete").detail) == "everywhere: zones zone-a, zone-b and Swift"
    assert 'data-testid="template-5"' not in admin_client.get(reverse("storage:templates")).content.decode()
    page = admin_client.get(reverse("storage:template", args=[5])).content.decode()
    assert 'data-testid="template-deleted"' in page and 'data-testid="delete-template"' not in page
    # Nothing copies it again: no upload, no copy down, not a second deletion.
    assert queueing.enqueue_upload(template, zone_a) is None
    Template.objects.filter(pk=5).update(swift_state=Template.SwiftState.STORED)  # even were it in Swift
    with pytest.raises(queueing.TransferRefused, match="Template 5 was deleted"):
        queueing.enqueue_copy_down(Template.objects.get(pk=5), zone_a)
    assert admin_client.post(_one(5), {"copy": ["5:swift"]}).status_code == 409


def test_deleting_from_one_zone_keeps_the_template_and_copy_to_zone_undoes_it(admin_client, placed):
    template, zone_a, zone_b = placed
    response = admin_client.post(_one(5), {"copy": [f"5:zone-{zone_a.pk}"]})
    assert response.status_code == 302
    [step] = Transfer.objects.all()
    assert (step.direction, step.zone) == (DELETE_ZONE, zone_a)
    template.refresh_from_db()
    assert template.deleted is None and template.swift_state == Template.SwiftState.STORED
    assert 'data-testid="template-5"' in admin_client.get(reverse("storage:templates")).content.decode()
    # While that deletion runs, Copy to zone is refused; once done, it clears the intent.
    copy = reverse("storage:template_copy", args=[5])
    refused = admin_client.post(copy, {"zone": zone_a.pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 409 and "being deleted from zone zone-a" in refused.content.decode()
    Transfer.objects.filter(pk=step.pk).update(state="done")
    TemplateLocation.objects.filter(template=template, zone=zone_a).update(state="Missing")
    assert admin_client.post(copy, {"zone": zone_a.pk}, HTTP_HX_REQUEST="true").status_code == 200
    assert not TemplateExclusion.objects.exists()
    assert Transfer.objects.filter(direction=Transfer.Direction.DOWN, zone=zone_a).count() == 1
    assert Event.objects.filter(action="template.restore", target="T-5").exists()


@pytest.mark.parametrize("case", ["active-transfer", "swift-without-a-zone", "nothing-ticked", "already-deleting"])
def test_refusals_write_nothing(admin_client, placed, case):
    template, zone_a, zone_b = placed
    _swift()
    if case == "active-transfer":
        make_transfer(template, zone_b, Transfer.State.RUNNING, direction=Transfer.Direction.DOWN)
    if case == "already-deleting":
        make_transfer(template, zone_b, Transfer.State.QUEUED, direction=DELETE_ZONE)
    ticked = {"swift-without-a-zone": ["5:swift", f"5:zone-{zone_a.pk}"], "nothing-ticked": []}.get(
        case, ["5:swift", f"5:zone-{zone_a.pk}", f"5:zone-{zone_b.pk}"])
    before = Transfer.objects.count()
    response = admin_client.post(_one(5), {"copy": ticked})
    assert response.status_code == 409
    message = {"active-transfer": "has a transfer queued or running",
               "swift-without-a-zone": "only together with every zone",
               "nothing-ticked": "Tick at least one copy", "already-deleting": "already queued or running"}[case]
    assert message in response.content.decode()
    assert Transfer.objects.count() == before and not TemplateExclusion.objects.exists()
    template.refresh_from_db()
    assert template.deleted is None and template.swift_state == Template.SwiftState.STORED
    assert Event.objects.filter(action="template.delete", outcome="failure").count() == 1
    if case == "active-transfer":  # the page says so before any POST, and offers no Delete button
        body = admin_client.get(_one(5)).content.decode()
        assert 'data-testid="refused-5"' in body and 'data-testid="confirm-delete"' not in body


def test_bulk_delete_is_all_or_nothing(admin_client, placed):
    template, zone_a, zone_b = placed
    make_template(9, "bad-url")  # a registration whose download failed: no copy anywhere
    busy = make_template(10, "busy")
    make_location(busy, zone_a)
    make_transfer(busy, zone_a, Transfer.State.QUEUED)
    url = reverse("storage:template_delete_many")
    page = admin_client.get(url, {"template": ["9", "5", "10"]}).content.decode()
    for template_id in (9, 5, 10):
        assert f'data-testid="delete-template-{template_id}"' in page
    assert "only the template's record is deleted" in page
    response = admin_client.post(url, {"template": ["9", "10"], "copy": [f"10:zone-{zone_a.pk}"]})
    assert response.status_code == 409 and "Template 10 has a transfer" in response.content.decode()
    assert not Template.objects.filter(deleted__isnull=False).exists()
    response = admin_client.post(url, {"template": ["9", "5"], "copy": [f"5:zone-{zone_b.pk}"]})
    assert response.status_code == 302 and response.url == reverse("storage:templates")
    assert Template.objects.get(pk=9).deleted is not None  # nothing to delete: gone at once
    assert Event.objects.filter(action="template.deleted", target="T-9").exists()
    assert list(Transfer.objects.filter(template_id=5).values_list("direction", "zone_id")) == [(DELETE_ZONE,
                                                                                                zone_b.pk)]


@pytest.mark.parametrize("query", [{"template": "x"}, {"template": "404"}])
def test_unknown_or_bad_ids_are_404(admin_client, placed, query):
    assert admin_client.get(reverse("storage:template_delete_many"), query).status_code == 404


def test_no_template_chosen(admin_client):
    response = admin_client.get(reverse("storage:template_delete_many"))
    assert response.status_code == 200 and 'data-testid="no-templates"' in response.content.decode()


def test_the_list_offers_bulk_delete(admin_client, placed):
    body = admin_client.get(reverse("storage:templates")).content.decode()
    assert 'data-testid="select-5"' in body and 'form="bulk-delete"' in body
    assert f'action="{reverse("storage:template_delete_many")}"' in body


def test_a_failed_deletion_step_is_retried_and_shown_on_the_dashboard(admin_client, placed):
    template, zone_a, _zone_b = placed
    failed = make_transfer(template, None, Transfer.State.FAILED, direction=DELETE_SWIFT)
    response = admin_client.post(reverse("storage:transfer_retry", args=[failed.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    retried = Transfer.objects.exclude(pk=failed.pk).get()
    assert (retried.direction, retried.zone, retried.state) == (DELETE_SWIFT, None, Transfer.State.QUEUED)
    body = admin_client.get(reverse("dashboard")).content.decode()
    assert "Delete from Swift" in body
