"""The share check tasks on a real Celery worker: the wizard's check of a
typed share, and the state refresh of a zone's secondary storage."""
import shutil
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.secondary import nfs
from storage import tasks
from storage.secondary.demo import create_demo_secondary_storage
from storage.models import SecondaryStorage
from zones import wizard
from zones.models import Zone, ZoneWizardDraft

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def share_path():
    """A fresh export path on server 127.0.0.1, resolved under NFS_MOUNT_ROOT
    (the same folder for this process and the worker)."""
    path = f"/export/{uuid.uuid4().hex[:8]}"
    folder = nfs.local_path("127.0.0.1", path)
    yield path, folder
    shutil.rmtree(folder, ignore_errors=True)


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("the worker did not answer")


def test_wizard_share_check_on_the_worker(celery_worker, admin_user, share_path):
    path, folder = share_path
    assert Path(settings.NFS_MOUNT_ROOT) in folder.parents
    create_demo_secondary_storage(folder)
    draft = ZoneWizardDraft.objects.create(user=admin_user)
    wizard.start_share_check(draft, {"nfs_server": "127.0.0.1", "path": path})
    check = wizard.wait_for_share_check(draft, timeout=60)
    assert check["status"] == "ok", celery_worker.log()
    assert english(check["message"]) == "reachable, 2 templates found" and check["templates"] == 2

    missing = f"{path}-missing"
    wizard.start_share_check(draft, {"nfs_server": "127.0.0.1", "path": missing})
    check = wizard.wait_for_share_check(draft, timeout=60)
    assert check["status"] == "failed"
    assert english(check["message"]).startswith(f"Not mounted: {nfs.local_path('127.0.0.1', missing)} does not exist")


def test_a_stale_answer_does_not_overwrite_a_newer_check(celery_worker, admin_user, share_path):
    path, folder = share_path
    folder.mkdir(parents=True)
    draft = ZoneWizardDraft.objects.create(user=admin_user, share_check={
        "token": "new", "server": "127.0.0.1", "path": path, "status": "pending"})
    tasks.check_wizard_share.delay(draft.pk, "old")  # an earlier check, answered late
    tasks.check_wizard_share.delay(draft.pk, "new")
    wait_for(lambda: ZoneWizardDraft.objects.get(pk=draft.pk).share_check["status"] != "pending")
    assert ZoneWizardDraft.objects.get(pk=draft.pk).share_check["token"] == "new"


def test_store_state_refresh_down_then_up(celery_worker, share_path):
    path, folder = share_path
    zone = Zone.objects.create(name="z1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="KVM")
    store = SecondaryStorage.objects.create(zone=zone, server="127.0.0.1", path=path)

    tasks.check_secondary_storage.delay(store.pk)
    store = wait_for(lambda: SecondaryStorage.objects.filter(pk=store.pk, state="Down").first())
    assert english(store.state_reason).startswith(f"Not mounted: {folder} does not exist") and store.last_checked

    create_demo_secondary_storage(folder)
    tasks.refresh_secondary_storage_states.delay()  # the periodic task
    store = wait_for(lambda: SecondaryStorage.objects.filter(pk=store.pk, state="Up").first())
    assert english(store.state_reason) == "reachable, 2 templates found"
    events = [(outcome, english(detail)) for outcome, detail in
              Event.objects.filter(action="secondary_storage.state").order_by("id").values_list("outcome", "detail")]
    assert events[0][0] == "failure" and events[0][1].startswith("Unknown → Down: Not mounted")
    assert events[1] == ("success", "Down → Up: reachable, 2 templates found")


def test_beat_runs_the_refresh():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-secondary-storage-states"]
    assert entry["task"] == tasks.refresh_secondary_storage_states.name
    assert entry["schedule"] == settings.NFS_CHECK_INTERVAL
