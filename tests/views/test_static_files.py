"""Static files as production serves them: whitenoise's manifest storage
(tests/settings.py keeps it), hashed names, long cache headers and
compressed variants."""
import gzip
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static

ROOT = Path(__file__).resolve().parents[2]
VENDORED = sorted((ROOT / "static" / "vendor").glob("*.min.*"))
PAGE_ASSETS = ["vendor/bootstrap-5.3.8.min.css", "cloudadmin.css", "vendor/htmx-2.0.11.min.js", "cloudadmin.js"]

pytestmark = pytest.mark.django_db


def test_the_suite_uses_the_production_static_storage():
    assert settings.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.mark.parametrize("path", VENDORED, ids=lambda p: p.name)
def test_vendored_files_name_no_missing_source_map(path):
    # collectstatic's manifest storage fails on a sourceMappingURL to a file that is not there.
    for ref in re.findall(rb"sourceMappingURL=(\S+?)(?:\s|\*/|$)", path.read_bytes()):
        assert (path.parent / ref.decode()).is_file(), ref


def test_pages_link_hashed_names(client):
    html = client.get("/login/").content.decode()
    for name in PAGE_ASSETS:
        stem, ext = name.rsplit(".", 1)
        assert re.search(rf'/static/{re.escape(stem)}\.[0-9a-f]{{12}}\.{ext}"', html), name


@pytest.mark.parametrize("name", PAGE_ASSETS)
def test_hashed_files_are_cached_for_long_and_served_compressed(client, name):
    url = static(name)
    assert url != f"/static/{name}"  # the hashed name
    plain = client.get(url)
    assert plain.status_code == 200
    assert "immutable" in plain["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", plain["Cache-Control"]).group(1)) >= 365 * 24 * 3600
    assert "Content-Encoding" not in plain
    body = b"".join(plain.streaming_content)

    compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert compressed.status_code == 200
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    zipped = b"".join(compressed.streaming_content)
    assert len(zipped) < len(body) and gzip.decompress(zipped) == body


def test_unhashed_names_are_not_cached_for_long(client):
    response = client.get("/static/cloudadmin.css")
    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1)) <= 3600
