"""Upload from local under gunicorn (tests/web_process.py): a PATCH's body is
read straight from its socket (storage/web/raw_body.py). The bytes arrive
whole and in order across requests on one kept-alive connection, and a
PATCH refused mid-body (past the upload's length) leaves the connection and
the upload as they should be."""
import base64
import hashlib

import pytest
import requests

from storage.catalog.upload_files import READ_BYTES
from storage.models import BrowserUpload, Template
from tests.conftest import worker_env
from tests.download_server import MIB, qcow2_image
from tests.transfer_helpers import make_zone
from tests.web_process import WebProcess

pytestmark = pytest.mark.django_db(transaction=True)
IMAGE = qcow2_image(9 * MIB + 777, virtual=8 * 1024**3, seed=13)
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def web(admin_user, tmp_path):
    process = WebProcess(worker_env(), tmp_path / "gunicorn.log").start()
    yield process
    process.stop()


def logged_in(web, password):
    session = requests.Session()
    session.get(f"{web.url}/login/", timeout=30).raise_for_status()
    answer = session.post(f"{web.url}/login/", allow_redirects=False, timeout=30, headers={"Referer": web.url},
                          data={"username": "admin", "password": password,
                                "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert answer.status_code == 302, answer.text[:300]
    session.headers.update({**TUS, "X-CSRFToken": session.cookies["csrftoken"], "Referer": web.url})
    return session


def patch(session, location, offset, data):
    return session.patch(location, data=data, timeout=60, headers={
        "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})


def test_patches_through_gunicorn_store_every_byte(web, admin_password):
    zone, root = make_zone(seed=False)
    session = logged_in(web, admin_password)
    metadata = {"name": "through-gunicorn", "zone": str(zone.pk), "format": "qcow2", "hypervisor": "KVM"}
    created = session.post(f"{web.url}/templates/upload/tus/", timeout=30, headers={
        "Upload-Length": str(len(IMAGE)),
        "Upload-Metadata": ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items())})
    assert created.status_code == 201, created.text
    location = created.headers["Location"]

    first = 5 * MIB + 3
    assert patch(session, location, 0, IMAGE[:first]).status_code == 204
    # A few bytes more than is left: the block that goes past the length is
    # refused (413), the blocks before it are kept; the connection goes on.
    too_long = patch(session, location, first, IMAGE[first:] + b"x" * 10)
    assert too_long.status_code == 413, too_long.text
    offset = int(session.head(location, timeout=30).headers["Upload-Offset"])
    assert offset == first + READ_BYTES == BrowserUpload.objects.get().offset
    rest = patch(session, location, offset, IMAGE[offset:])
    assert rest.status_code == 204 and rest.headers["Upload-Offset"] == str(len(IMAGE))

    answer = session.post(f"{location}complete/", data={"md5": hashlib.md5(IMAGE).hexdigest()}, timeout=60)
    assert answer.status_code == 200, answer.text
    template = Template.objects.get(pk=answer.json()["template"])
    assert (root / "template/tmpl/2" / str(template.pk) / template.filename).read_bytes() == IMAGE
