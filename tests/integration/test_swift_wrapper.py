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


def test_bytes_whose_token_expired_go_again_with_a_new_one(local_swift):
    """No HEAD before a PUT of bytes (a small template's image): a 401 makes
    put_object authenticate again and send them once more."""
    conn = swift.connect(creds(local_swift))
    swift.authenticate(conn)
    swift.ensure_container(conn, "wrapper-expired")
    conn.token = "AUTH_tk" + "0" * 32  # as a token tempauth no longer knows
    etag = swift.put_object(conn, "wrapper-expired", "small", b"bytes", content_length=5)
    assert etag == "4b3a6218bb3e3a7303e8a171a60fcf92"  # MD5 of b"bytes"
    assert conn.token != "AUTH_tk" + "0" * 32
    assert swift.list_objects(conn, "wrapper-expired")[0]["name"] == "small"
    swift.delete_object(conn, "wrapper-expired", "small")
    swift.delete_container(conn, "wrapper-expired")


def test_a_new_container_is_told_from_an_existing_one(local_swift):
    conn = swift.connect(creds(local_swift))
    swift.authenticate(conn)
    assert swift.ensure_container(conn, "wrapper-created") is True  # 201
    assert swift.ensure_container(conn, "wrapper-created") is False  # 202: it existed
    with pytest.raises(swift.SwiftError) as excinfo:
        swift.list_objects(conn, "wrapper-missing", missing_ok=False)
    assert excinfo.value.status == 404
    assert swift.list_objects(conn, "wrapper-missing") == []
    swift.delete_container(conn, "wrapper-created")
