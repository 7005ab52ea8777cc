"""/healthz against the real services, and with each of them missing."""
import json
import shutil
import subprocess
import time

import pytest
import redis
from django.test import Client
from django.urls import reverse

from storage.swift.localswift import AUTH_KEY, AUTH_USER, free_port
from storage.models import SwiftStore

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_cache(settings):
    from cloudadmin import health

    settings.HEALTH_CACHE_SECONDS = 0  # every test sees its own situation
    health._cached["at"] = None


def _swift_store(url, key=AUTH_KEY):
    return SwiftStore.objects.create(url=url, username=AUTH_USER, key=key, auth_version="1.0")


@pytest.fixture
def empty_redis(tmp_path):
    """A Redis of its own, which no worker listens to."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


def _get(client):
    response = client.get(reverse("healthz"))
    assert response["Content-Type"] == "application/json"
    return response, json.loads(response.content)


def test_healthy_with_database_broker_swift_and_worker(client, celery_worker, local_swift):
    _swift_store(local_swift.auth_url)
    response, body = _get(client)  # anonymous: no login needed
    assert response.status_code == 200, body
    assert body == {"status": "ok", "checks": {"database": "ok", "pages": "ok", "broker": "ok",
                                               "swift": "ok", "workers": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_body_reveals_no_hosts_urls_or_secrets(client, celery_worker, local_swift):
    _swift_store(local_swift.auth_url)
    response, body = _get(client)
    text = response.content.decode()
    for secret in ("127.0.0.1", str(local_swift.proxy_port), "auth/v1.0", AUTH_KEY, AUTH_USER, "redis"):
        assert secret not in text
    assert set(body) == {"status", "checks"}


def test_swift_not_configured_is_not_a_failure(client, celery_worker):
    response, body = _get(client)
    assert response.status_code == 200
    assert body["checks"]["swift"] == "not configured"


def test_broker_down(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    response, body = _get(client)
    assert response.status_code == 503
    assert body["status"] == "failed"
    assert body["checks"]["broker"] == "failed"
    assert body["checks"]["workers"] == "failed"
    assert body["checks"]["database"] == "ok"


def test_swift_down(client, celery_worker):
    closed_port = free_port()
    _swift_store(f"http://127.0.0.1:{closed_port}/auth/v1.0")
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"] == {"database": "ok", "pages": "ok", "broker": "ok", "swift": "failed",
                              "workers": "ok"}
    assert str(closed_port) not in response.content.decode()


def test_swift_wrong_key(client, celery_worker, local_swift):
    _swift_store(local_swift.auth_url, key="not-the-key")
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["swift"] == "failed"
    assert "not-the-key" not in response.content.decode()


def test_no_worker_answers(client, settings, empty_redis):
    settings.CELERY_BROKER_URL = empty_redis
    settings.HEALTH_WORKER_TIMEOUT = 0.5
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["broker"] == "ok"
    assert body["checks"]["workers"] == "failed"


def test_a_queue_without_its_worker_fails(client, settings, celery_worker):
    """The session's workers consume `celery` and `transfers`; a transfers
    queue that nobody consumes (its worker down) is a failure."""
    assert _get(client)[1]["checks"]["workers"] == "ok"
    settings.TRANSFER_QUEUE = "transfers-nobody-consumes"
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["workers"] == "failed"


def test_only_get(client):
    assert client.post(reverse("healthz")).status_code in (403, 405)


def test_answers_are_cached_for_a_few_seconds(client, settings, celery_worker):
    settings.HEALTH_CACHE_SECONDS = 600
    first, body = _get(client)
    assert first.status_code == 200
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    again, cached = _get(client)  # the broker "went away", but the answer is reused
    assert (again.status_code, cached) == (200, body)
    settings.HEALTH_CACHE_SECONDS = 0
    fresh, fresh_body = _get(client)
    assert fresh.status_code == 503 and fresh_body["checks"]["broker"] == "failed"


# --- pages: a page template and its static files resolve ----------------------
@pytest.fixture
def static_copy(settings, tmp_path):
    """A copy of the collected static files, served instead of the suite's own."""
    root = tmp_path / "static"
    shutil.copytree(settings.STATIC_ROOT, root)
    settings.STATIC_ROOT = root
    return root


def _manifest(root):
    return json.loads((root / "staticfiles.json").read_text())


def test_pages_ok_with_the_collected_files(client, static_copy, celery_worker):
    response, body = _get(client)
    assert (response.status_code, body["checks"]["pages"]) == (200, "ok")


def test_missing_manifest_entry_is_503(client, static_copy, celery_worker):
    manifest = _manifest(static_copy)
    del manifest["paths"]["vendor/bootstrap-5.3.8.min.css"]
    (static_copy / "staticfiles.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        Client().get(reverse("login"))  # what every page does then: a 500
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["pages"] == "failed"
    assert body["checks"]["database"] == "ok"


def test_static_collected_without_the_manifest_is_503(client, static_copy, celery_worker):
    """The Dockerfile's old step: collectstatic with DEBUG on writes no manifest."""
    (static_copy / "staticfiles.json").unlink()
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["pages"] == "failed"


def test_linked_file_missing_on_disk_is_503(client, static_copy, celery_worker):
    hashed = _manifest(static_copy)["paths"]["cloudadmin.js"]
    (static_copy / hashed).unlink()
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["pages"] == "failed"
