"""The configured log handler: JSON lines, request/task ids, no secrets."""
import io
import json
import logging

import pytest
from django.conf import settings
from django.urls import reverse

from cloudadmin import logs
from storage.models import SwiftStore


@pytest.fixture
def log_lines():
    """A handler with the filters and formatter of the configured "console"."""
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda name="cloudadmin.test": [
        record for record in map(json.loads, stream.getvalue().splitlines()) if record["logger"] == name]
    root.removeHandler(handler)


log = logging.getLogger("cloudadmin.test")


def test_records_are_json_lines_with_request_and_task_ids(log_lines):
    log.warning("hello %s", "world")
    (record,) = log_lines()
    assert record["message"] == "hello world"
    assert record["level"] == "WARNING" and record["logger"] == "cloudadmin.test"
    assert record["request_id"] == "-" and record["task_id"] == "-"


@pytest.mark.parametrize("message,secret", [
    ("headers {'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing-key-1'}", "testing-key-1"),
    ("X-Auth-Token: AUTH_tk0123456789abcdef", "AUTH_tk0123456789abcdef"),
    ("x-storage-token=AUTH_tkfedcba", "AUTH_tkfedcba"),
    ("GET /auth?key=hunter2hunter2&user=x", "hunter2hunter2"),
    ("ssh login password=Pa55word! failed", "Pa55word!"),
    ("{'password': 'dict-held-pw'}", "dict-held-pw"),
])
def test_secret_shapes_are_redacted(log_lines, message, secret):
    log.info(message)
    (record,) = log_lines()
    assert secret not in json.dumps(record)
    assert logs.REDACTED in record["message"]


def test_tracebacks_and_extra_fields_are_redacted(log_lines):
    try:
        raise RuntimeError("connect failed password=from-an-exception")
    except RuntimeError:
        log.exception("swift call failed", extra={"data": {"args": "('key=in-extra-data',)"}})
    text = json.dumps(log_lines())
    assert "from-an-exception" not in text and "in-extra-data" not in text
    assert "RuntimeError" in text  # the traceback itself is kept


@pytest.mark.django_db
def test_request_objects_in_extra_fields_are_redacted(client, log_lines):
    client.get("/nowhere/?key=in-the-query-string&password=also-here")
    text = json.dumps(log_lines("django.request"))
    assert "Not Found" in text
    assert "in-the-query-string" not in text and "also-here" not in text


@pytest.mark.django_db
def test_the_configured_swift_key_is_redacted_anywhere(log_lines):
    key = "plain-swift-key-4711"
    SwiftStore.objects.create(url="http://swift.example:8080/auth/v1.0", username="test:tester",
                              key=key, auth_version="1.0")
    logs._known_secrets.discard(key)
    SwiftStore.objects.get()  # any process that loads the row learns the key
    log.error("odd value %s in a message", key)
    log.error(f"and as a bare word:{key}.")
    assert all(key not in r["message"] for r in log_lines())


def test_app_keys_are_known_secrets():
    assert settings.SECRET_KEY in logs._known_secrets


def test_redaction_leaves_ordinary_text_alone():
    text = "Uploaded T-5/disk.vhd (12 MiB) to container T-5 in 3.2 s"
    assert logs.redact(text) == text


@pytest.mark.django_db
def test_request_id_is_made_or_taken_and_returned(client):
    made = client.get(reverse("login"))["X-Request-ID"]
    assert len(made) == 32
    assert client.get(reverse("login"))["X-Request-ID"] != made
    taken = client.get(reverse("login"), HTTP_X_REQUEST_ID="proxy-abc-123")
    assert taken["X-Request-ID"] == "proxy-abc-123"
    hostile = client.get(reverse("login"), HTTP_X_REQUEST_ID="a\nb{}" * 30)
    assert hostile["X-Request-ID"] != "a\nb{}" * 30 and len(hostile["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_request_records_carry_the_request_id(client, log_lines):
    client.get(reverse("healthz") + "-nothing-here", HTTP_X_REQUEST_ID="req-42")
    (record,) = log_lines("django.request")
    assert record["message"] == "Not Found: /healthz-nothing-here"
    assert record["request_id"] == "req-42"
    log.info("after the request")
    assert log_lines()[-1]["request_id"] == "-"
