import hashlib
import json
import socket
import urllib.request

import pytest
import swiftclient

from storage.swift import localswift


def test_upload_and_download_with_swiftclient(swift_connection):
    body = b"template bytes " * 1000
    swift_connection.put_container("T-test")
    etag = swift_connection.put_object("T-test", "image.vhd", body, etag=hashlib.md5(body).hexdigest())
    assert etag == hashlib.md5(body).hexdigest()
    headers, got = swift_connection.get_object("T-test", "image.vhd")
    assert got == body
    names = [obj["name"] for obj in swift_connection.get_container("T-test")[1]]
    assert names == ["image.vhd"]


def test_info_lists_slo(local_swift):
    with urllib.request.urlopen(local_swift.info_url) as response:
        info = json.load(response)
    assert "slo" in info and info["slo"]["max_manifest_segments"] > 0
    assert "tempauth" in info
    assert info["swift"]["max_file_size"] == local_swift.max_file_size


def test_wrong_key_is_401(local_swift):
    conn = swiftclient.Connection(authurl=local_swift.auth_url, user=localswift.AUTH_USER,
                                  key="wrong", retries=0)
    with pytest.raises(swiftclient.ClientException) as excinfo:
        conn.get_account()
    assert excinfo.value.http_status == 401


def test_small_max_file_size_forces_segments_and_dlo_works(tmp_path):
    with localswift.temporary(max_file_size=64 * 1024) as swift:
        conn = swiftclient.Connection(authurl=swift.auth_url, user=localswift.AUTH_USER,
                                      key=localswift.AUTH_KEY, retries=0)
        conn.put_container("c")
        conn.put_container("c_segments")
        with pytest.raises(swiftclient.ClientException) as excinfo:
            conn.put_object("c", "big", b"x" * (100 * 1024))
        assert excinfo.value.http_status == 413
        # Two segments joined by a DLO manifest: the dlo middleware is in the pipeline.
        conn.put_object("c_segments", "big/0", b"a" * 60000)
        conn.put_object("c_segments", "big/1", b"b" * 60000)
        conn.put_object("c", "big", b"", headers={"X-Object-Manifest": "c_segments/big/"})
        assert conn.get_object("c", "big")[1] == b"a" * 60000 + b"b" * 60000
        assert swift.root.is_dir()
    assert not swift.processes
    assert not swift.root.exists()  # temporary() leaves no localswift-* folder behind


def test_access_log_port_receives_a_line_per_client_request():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(10)
    with localswift.temporary(access_log_port=receiver.getsockname()[1]) as swift:
        conn = swiftclient.Connection(authurl=swift.auth_url, user=localswift.AUTH_USER,
                                      key=localswift.AUTH_KEY, retries=0)
        conn.put_container("logged")
        lines = []
        while not any(" PUT /v1/AUTH_test/logged 201 - " in line for line in lines):
            lines.append(receiver.recv(65536).decode())
    receiver.close()
    assert any(" GET /auth/v1.0 200 - " in line for line in lines)
