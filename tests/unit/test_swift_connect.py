"""The parameters swiftclient gets for tempauth v1.0 and Keystone v2/v3.
(No Keystone runs here: its requests are tested against local sockets in
tests/integration/test_enable_swift_checks.py.)"""
import pytest

from storage.web.forms import EnableSwiftForm
from storage.swift.client import Credentials, connect


def test_tempauth_joins_account_and_user():
    conn = connect(Credentials(url="http://s:8080/auth/v1.0", account="test", username="tester", key="k"))
    assert (conn.authurl, conn.user, conn.key, conn.auth_version) == (
        "http://s:8080/auth/v1.0", "test:tester", "k", "1")


def test_tempauth_user_already_written_account_colon_user():
    conn = connect(Credentials(url="http://s/auth/v1.0", username="test:tester", key="k"))
    assert conn.user == "test:tester"


def test_keystone_v3_project_and_default_domains():
    conn = connect(Credentials(url="https://ks:5000/v3", account="demo", username="alice", key="k",
                               auth_version="3"), timeout=7)
    assert (conn.user, conn.key, conn.auth_version, conn.timeout) == ("alice", "k", "3", 7)
    assert conn.os_options["project_name"] == "demo"
    assert conn.os_options["user_domain_name"] == conn.os_options["project_domain_name"] == "Default"


def test_keystone_v2_tenant():
    conn = connect(Credentials(url="https://ks:5000/v2.0", account="demo", username="alice", key="k",
                               auth_version="2.0"))
    assert conn.auth_version == "2.0" and conn.os_options["tenant_name"] == "demo"


def form(**data):
    base = {"url": "http://s/auth/v1.0", "account": "", "username": "test:tester", "key": "k", "auth_version": ""}
    return EnableSwiftForm({**base, **data})


@pytest.mark.parametrize("data,version,account,username", [
    ({}, "1.0", "test", "tester"),
    ({"url": "https://ks:5000/v3", "username": "alice"}, "3", "", "alice"),
    ({"url": "https://ks:5000/v2.0", "account": "demo", "username": "alice"}, "2.0", "demo", "alice"),
    # An explicit choice wins over the URL (e.g. a versionless Keystone URL).
    ({"url": "https://ks:5000/", "auth_version": "3", "account": "demo", "username": "alice"}, "3", "demo", "alice"),
])
def test_form_detects_or_takes_the_auth_version(data, version, account, username):
    f = form(**data)
    assert f.is_valid(), f.errors
    creds = f.credentials()
    assert (creds.auth_version, creds.account, creds.username) == (version, account, username)


def test_form_tempauth_needs_an_account():
    f = form(username="tester")
    assert not f.is_valid()
    assert "tempauth needs an account" in str(f.errors)


@pytest.mark.parametrize("url,ok", [
    ("http://swift:8080/auth/v1.0", True),  # docker compose service name
    ("https://keystone.example.com:5000/v3", True),
    ("ftp://swift/auth/v1.0", False), ("swift:8080/auth", False), ("http://:8080/x", False),
    ("http://swift:99999/auth/v1.0", False), ("http://user:key@swift/auth/v1.0", False),
])
def test_form_url(url, ok):
    assert form(url=url).is_valid() is ok
