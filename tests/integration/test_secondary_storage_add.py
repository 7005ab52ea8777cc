"""Add secondary storage to an enabled zone through its page, with a real
Celery worker: the wizard's share check runs on the worker, then the zone
is scanned and the new share's templates are found."""
import shutil
import time
import uuid

import pytest
from django.urls import reverse

from cloudadmin.messages import english
from sampledata.rows import make_zone
from storage.models import SecondaryStorage, TemplateLocation, ZoneScan
from storage.secondary import nfs
from storage.secondary.demo import create_demo_secondary_storage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def share_path():
    path = f"/export/{uuid.uuid4().hex[:8]}"
    folder = nfs.local_path("127.0.0.1", path)
    yield path, folder
    shutil.rmtree(folder, ignore_errors=True)


def wait_for(predicate, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("the worker did not finish")


def test_added_storage_is_checked_then_scanned(celery_worker, admin_client, share_path, settings):
    settings.SHARE_CHECK_WAIT = 60  # a loaded machine: the page waits for the worker's answer
    path, folder = share_path
    zone = make_zone("zone1", enabled=True)
    SecondaryStorage.objects.filter(zone=zone).delete()
    url = reverse("zones:secondary_storage_add", args=[zone.pk])

    response = admin_client.post(url, {"nfs_server": "127.0.0.1", "path": f"{path}-missing"})
    assert response.status_code == 400 and "Not mounted:" in response.content.decode(), celery_worker.log()
    assert not SecondaryStorage.objects.exists()

    create_demo_secondary_storage(folder)
    response = admin_client.post(url, {"nfs_server": "127.0.0.1", "path": path})
    assert response.status_code == 302, response.content.decode()[-2000:]
    store = SecondaryStorage.objects.get(zone=zone)
    assert (store.state, english(store.state_reason)) == ("Up", "reachable, 2 templates found")
    wait_for(lambda: ZoneScan.objects.filter(zone=zone, state="done").exists())
    assert TemplateLocation.objects.filter(zone=zone, state="Ready").count() == 2
