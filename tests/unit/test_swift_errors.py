"""Failures leave storage.swift as one clear line that never holds the key."""
import pytest
import requests
from swiftclient.exceptions import ClientException

from storage.swift.client import Credentials, SwiftError, detect_auth_version, translate


@pytest.mark.parametrize("status,text,transient", [
    (401, "wrong username or key", False), (403, "permission denied", False),
    (413, "too large", False), (503, "server error", True), (422, "checksum mismatch", False),
])
def test_http_statuses(status, text, transient):
    error = translate(ClientException("boom", http_status=status), "Upload")
    assert text in str(error) and error.status == status and error.transient is transient


def test_network_failures_are_transient():
    assert translate(requests.exceptions.ConnectionError("x"), "Auth").transient
    assert "timed out" in str(translate(requests.exceptions.ReadTimeout("x"), "Auth"))


def test_credentials_repr_hides_key():
    creds = Credentials(url="http://s/auth/v1.0", username="test:tester", key="testing")
    assert "testing" not in repr(creds)


@pytest.mark.parametrize("url,version", [
    ("http://127.0.0.1:8080/auth/v1.0", "1.0"), ("https://ks:5000/v2.0", "2.0"),
    ("https://ks:5000/v3/", "3"),
])
def test_detect_auth_version(url, version):
    assert detect_auth_version(url) == version


def test_unknown_exception_is_generic():
    assert isinstance(translate(ValueError("key=testing"), "X"), SwiftError)
    assert "testing" not in str(translate(ValueError("key=testing"), "X"))
