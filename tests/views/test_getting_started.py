"""The getting-started panel (storage/templatetags/getting_started.py) on
the dashboard, the Zones page and the Swift page: the steps to the first
enabled zone with their state and links, gone once a zone is enabled;
make run's demo values only with DEBUG on."""
import re

import pytest
from django.urls import reverse

from cloudadmin import config
from storage.models import SwiftStore
from tests.storage_rows import make_zone
from tests.swift_setup_helpers import put_enable_swift_in_effect
from zones.models import Zone

pytestmark = pytest.mark.django_db


def states(body):
    panel = body.split('data-testid="getting-started"')[1].split("</section>")[0]
    return re.findall(r'data-testid="step-\d"\s+data-state="(\w+)"', panel)


def test_a_fresh_install_shows_every_step_to_do_with_its_link(admin_client):
    body = admin_client.get(reverse("dashboard")).content.decode()
    assert states(body) == ["todo"] * 5
    assert "Set enable.swift to true" in body and f'{reverse("global_settings")}?q=enable.swift' in body
    assert 'data-testid="demo-values"' not in body  # DEBUG off


def test_a_pending_restart_shows_the_restart_command(admin_client, settings):
    settings.RESTART_COMMAND = "systemctl restart cloudadmin"
    config.change("enable.swift", "true")  # requires a restart: pending
    body = admin_client.get(reverse("zones:list")).content.decode()
    assert states(body) == ["done", "pending", "todo", "todo", "todo"]
    assert "restart pending" in body and "<code>systemctl restart cloudadmin</code>" in body


def test_steps_follow_the_state_and_the_panel_goes_once_a_zone_is_enabled(admin_client):
    put_enable_swift_in_effect("true")
    SwiftStore.objects.create(url="http://127.0.0.1:1/auth/v1.0", username="a:b", key="k", auth_version="1.0")
    zone = make_zone("zone-g", enabled=False)
    body = admin_client.get(reverse("dashboard")).content.decode()
    assert states(body) == ["done", "done", "done", "done", "todo"]
    assert f'href="{reverse("zones:detail", args=[zone.pk])}">zone-g</a>' in body  # where to enable it
    Zone.objects.filter(pk=zone.pk).update(allocation_state=Zone.AllocationState.ENABLED)
    for name in ("dashboard", "zones:list"):
        assert 'data-testid="getting-started"' not in admin_client.get(reverse(name)).content.decode()


def test_demo_values_with_debug_on(admin_client, settings):
    settings.DEBUG = True
    settings.SWIFT_PORT = 8184
    settings.NFS_MOUNTS = ["nfs://127.0.0.1/export/secondary=/var/secondary"]
    body = admin_client.get(reverse("zones:list")).content.decode()
    values = body.split('data-testid="demo-values"')
    assert "<code>http://127.0.0.1:8184/auth/v1.0</code>" in values[1] and "<code>tester</code>" in values[1]
    assert "<code>127.0.0.1</code>" in values[2] and "<code>/export/secondary</code>" in values[2]


def test_enable_swift_comes_first_on_zones(admin_client):
    put_enable_swift_in_effect("true")
    body = admin_client.get(reverse("zones:list")).content.decode()
    assert body.index(">Enable Swift</button>") < body.index(">Add zone</button>")


def test_the_swift_page_guides_before_the_restart(admin_client):
    body = admin_client.get(reverse("storage:swift")).content.decode()
    assert "Swift is not configured." in body and 'data-testid="getting-started"' in body
    assert "Enable it from Infrastructure" not in body  # not offered there before the restart
