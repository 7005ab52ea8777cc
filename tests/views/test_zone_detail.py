"""ZoneDetailView: every record the wizard created, and the allocation action."""
import pytest
from django.urls import reverse

from tests.zone_wizard_helpers import STEP_DATA, fill, mark_share_checked, start
from zones.models import Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone(admin_client):
    draft = mark_share_checked(fill(admin_client, start(admin_client)))
    admin_client.post(reverse("zones:wizard_launch", args=[draft.pk]))
    return Zone.objects.get()


def test_every_record_is_shown(admin_client, zone):
    body = admin_client.get(reverse("zones:detail", args=[zone.pk])).content.decode()
    for text in ("Zone zone1", "XenServer", "8.8.8.8, 8.8.4.4", "cs1cloud.internal", "Pod pod1",
                 "192.168.10.100 – 192.168.10.150", "192.168.10.151 – 192.168.10.200", "Cluster cluster1 (XenServer)",
                 "<td>192.168.10.20</td><td>root</td>", "nfs://192.168.10.5/export/primary",
                 "nfs://127.0.0.1/export/secondary", "<td>Up</td>", "reachable, 2 templates found"):
        assert text in body, text
    assert STEP_DATA["host"]["password"] not in body
    pod = zone.pods.get()
    cluster = pod.clusters.get()
    for row in (zone, pod, cluster, cluster.hosts.get(), cluster.primary_storages.get(),
                zone.secondary_storages.get()):
        assert f"<code>{row.uuid}</code>" in body or f'data-testid="zone-uuid">{row.uuid}<' in body, row
    assert ">Enable zone</button>" in body and "Disable zone" not in body
    assert 'data-testid="allocation-state">Disabled<' in body


def test_enabled_zone_offers_disable(admin_client, zone):
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Enabled")
    body = admin_client.get(reverse("zones:detail", args=[zone.pk])).content.decode()
    assert ">Disable zone</button>" in body and "Enable zone" not in body


def test_the_page_refreshes_itself_fast_while_the_zone_is_busy(admin_client, zone):
    from storage.models import ZoneScan

    url = reverse("zones:detail", args=[zone.pk])
    body = admin_client.get(url).content.decode()
    assert 'hx-select="#zone-live"' in body and "every 10s" in body  # idle: slowly
    scan = ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL)
    assert "every 2s" in admin_client.get(url).content.decode()
    ZoneScan.objects.filter(pk=scan.pk).update(state=ZoneScan.State.DONE)
    assert "every 10s" in admin_client.get(url).content.decode()


def test_missing_zone_is_404(admin_client):
    assert admin_client.get(reverse("zones:detail", args=[987654])).status_code == 404


def test_detail_in_japanese(admin_user, zone):
    from django.test import Client
    from django.utils import translation

    from tests.views.test_japanese_pages import english_left_on

    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(admin_user)
    try:
        body = client.get(reverse("zones:detail", args=[zone.pk])).content.decode()
    finally:
        translation.deactivate()  # the request ran in this thread: later tests must not inherit Japanese
    assert not english_left_on(body)
    assert "ゾーンの有効化" in body and "予約済みシステムゲートウェイ" in body
