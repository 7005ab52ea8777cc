import pytest

from storage.swift import localswift, client as swift


def creds(local_swift, key=localswift.AUTH_KEY):
    return swift.Credentials(url=local_swift.auth_url, username="tester", account="test", key=key)


def test_authenticate_and_capabilities(local_swift):
    conn = swift.connect(creds(local_swift))
    assert swift.authenticate(conn).endswith("/v1/AUTH_test")
    caps = swift.capabilities(conn)
    assert caps["slo"] is True and caps["max_file_size"] == local_swift.max_file_size
    assert caps["max_manifest_segments"] > 0


def test_wrong_key_is_clear_and_secret_free(local_swift):
    with pytest.raises(swift.SwiftError) as excinfo:
        swift.authenticate(swift.connect(creds(local_swift, key="not-the-key")))
    assert excinfo.value.status == 401
    assert "wrong username or key" in str(excinfo.value)
    assert "not-the-key" not in str(excinfo.value)


def test_unreachable_host_is_clear():
    port = localswift.free_port()
    conn = swift.connect(swift.Credentials(url=f"http://127.0.0.1:{port}/auth/v1.0",
                                           username="test:tester", key="testing"))
    with pytest.raises(swift.SwiftError, match="cannot reach the Swift host") as excinfo:
        swift.authenticate(conn)
    assert excinfo.value.transient
