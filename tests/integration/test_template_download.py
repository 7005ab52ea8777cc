"""Download a template (extractTemplate). On the local Swift (tempurl in its
pipeline) the link is a TempURL that Swift itself serves: curl gets the
very bytes of the NFS copy, until the link expires. The app sets the
account's Temp-URL-Key itself and keeps it encrypted. On a Swift without
tempurl the link goes through the app, which streams with Range support."""
import html
import re
import subprocess
import time

import pytest
from django.db import connection
from django.test import Client

from cloudadmin import config
from cloudadmin.models import Event
from storage.models import SwiftStore, Template, Transfer
from storage.swift import client as swift
from storage.swift import localswift
from storage.swift.download_links import KEY_HEADER
from tests.transfer_helpers import credentials_for, enable_zone, make_swift_store, make_zone, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)
IMAGE = "template/tmpl/1/1/8b382a50-e4a2-45d8-887d-70aaecd822fd.vhd"


def _curl(url, out):
    """curl's HTTP status for url, the body saved in out."""
    done = subprocess.run(["curl", "-sS", "-o", str(out), "-w", "%{http_code}", url],
                          capture_output=True, text=True, timeout=120, check=True)
    return int(done.stdout)


def _new_link(admin_client):
    """Download on the template page: a POST, then the page showing the link (PRG)."""
    response = admin_client.post("/templates/1/download/")
    assert response.status_code == 302 and response["Location"] == "/templates/1/download/"
    page = admin_client.get("/templates/1/download/").content.decode()
    return html.unescape(re.search(r'href="([^"]*)" data-testid="download-link"', page).group(1))


def _template_in_swift():
    zone, root = make_zone()
    enable_zone(zone)
    upload = wait_transfer(1, direction=Transfer.Direction.UP)
    assert upload.state == Transfer.State.DONE, upload.last_error
    Template.objects.filter(pk=1).update(extractable=True)
    return root


def test_a_tempurl_download_is_the_nfs_image_until_it_expires(any_swift, celery_worker, admin_client, tmp_path):
    local_swift = any_swift  # tempauth, then behind Keystone (tempurl sits before either auth)
    make_swift_store(local_swift)
    root = _template_in_swift()
    # Short, yet long enough for the steps before the first fetch on a loaded machine.
    config.change("extract.url.expiration.interval", "20")

    link = _new_link(admin_client)
    assert link.startswith(f"http://127.0.0.1:{local_swift.proxy_port}/v1/AUTH_") and "/T-1/" in link
    assert "temp_url_sig=" in link and "temp_url_expires=" in link
    expires = int(link.split("temp_url_expires=")[1].split("&")[0])
    assert _curl(link, tmp_path / "image") == 200
    assert (tmp_path / "image").read_bytes() == (root / IMAGE).read_bytes()

    # The key the app generated is on the account and encrypted in the database.
    key = SwiftStore.objects.get().temp_url_key
    conn = swift.connect(credentials_for(local_swift))
    swift.authenticate(conn)
    assert conn.head_account()[KEY_HEADER.lower()] == key
    conn.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT temp_url_key FROM storage_swiftstore")
        assert key not in cursor.fetchone()[0]
    assert Event.objects.filter(action="swift.tempurl.key").count() == 1
    assert Event.objects.filter(action="template.extract", target="T-1").exists()

    while time.time() <= expires + 1:  # wait for the expiry itself, no speed asserted
        time.sleep(0.5)
    assert _curl(link, tmp_path / "late") == 401
    # A new link works again, with the same key (nothing set on the account twice).
    assert 'data-testid="download-link"' not in admin_client.get("/templates/1/download/").content.decode()
    fresh = _new_link(admin_client)
    assert _curl(fresh, tmp_path / "again") == 200
    assert Event.objects.filter(action="swift.tempurl.key").count() == 1


def test_a_non_extractable_template_is_refused_with_the_reason(local_swift, celery_worker, admin_client):
    make_swift_store(local_swift)
    _template_in_swift()
    Template.objects.filter(pk=1).update(extractable=False)
    response = admin_client.post("/templates/1/download/")
    assert response.status_code == 409
    assert "not extractable" in response.content.decode()
    assert admin_client.post("/templates/999999/download/").status_code == 404


@pytest.fixture(scope="module")
def swift_without_tempurl(tmp_path_factory):
    server = localswift.LocalSwift(root=tmp_path_factory.mktemp("swift-no-tempurl"),
                                   proxy_port=localswift.free_port(), tempurl=False).start()
    yield server
    server.stop()


def test_without_tempurl_the_app_streams_with_range(swift_without_tempurl, celery_worker, admin_client):
    make_swift_store(swift_without_tempurl)
    root = _template_in_swift()
    image = (root / IMAGE).read_bytes()
    link = _new_link(admin_client)
    assert link.startswith("/templates/1/image/?token=")

    whole = admin_client.get(link)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == image
    part = admin_client.get(link, HTTP_RANGE="bytes=1000-1999")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 1000-1999/{len(image)}" and part["Content-Length"] == "1000"
    assert b"".join(part.streaming_content) == image[1000:2000]
    tail = admin_client.get(link, HTTP_RANGE="bytes=-17")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == image[-17:]
    assert admin_client.get(link, HTTP_RANGE=f"bytes={len(image) + 5}-").status_code == 416

    # Login is required, and the token names this template only.
    assert Client().get(link).status_code == 302
    assert admin_client.get("/templates/1/image/?token=1:1:forged").status_code == 403
    assert admin_client.get(link.replace("/templates/1/", "/templates/5/")).status_code == 403


def test_extract_template_answers_the_tempurl(local_swift, celery_worker, client, admin_user, tmp_path):
    from tests.api_helpers import call, key_pair
    from tests.views.test_client_api_fidelity import check_command, check_json

    make_swift_store(local_swift)
    root = _template_in_swift()
    keys = key_pair(admin_user)
    uuid = str(Template.objects.get(pk=1).uuid)
    status, started = call(client, "extractTemplate", *keys, id=uuid, mode="HTTP_DOWNLOAD")
    assert status == 200 and started["id"] == uuid
    job = check_command(client, keys, "queryAsyncJobResult", jobid=started["jobid"])
    assert job["jobstatus"] == 1
    extracted = job["jobresult"]["template"]
    check_json("ExtractResponse", extracted)
    assert (extracted["id"], extracted["extractMode"], extracted["state"]) == (uuid, "HTTP_DOWNLOAD",
                                                                               "DOWNLOAD_URL_CREATED")
    assert _curl(extracted["url"], tmp_path / "image") == 200
    assert (tmp_path / "image").read_bytes() == (root / IMAGE).read_bytes()
