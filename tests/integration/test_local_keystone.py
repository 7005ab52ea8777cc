"""The local Keystone itself and the Swift behind it, with the app's own
Swift calls (storage.swift): what Enable Swift and every transfer rely on."""
import pytest

from storage.swift import client as swift
from storage.swift import localkeystone
from tests.transfer_helpers import credentials_for

pytestmark = pytest.mark.timeout(300)


def test_swiftop_authenticates_reads_info_and_writes_through_keystone(keystone_swift):
    conn = swift.connect(credentials_for(keystone_swift))
    try:
        storage_url = swift.authenticate(conn)
        # keystoneauth's reseller prefix and the project's id make the account
        project_id = keystone_swift.keystone.password_auth(localkeystone.USERNAME, localkeystone.PASSWORD)[1][
            "project"]["id"]
        assert storage_url == f"http://127.0.0.1:{keystone_swift.proxy_port}/v1/AUTH_{project_id}"
        assert swift.capabilities(conn)["slo"] is True
        swift.check_write_access(conn)
    finally:
        conn.close()


def test_a_user_without_the_operator_role_may_authenticate_but_not_create_containers(keystone_swift):
    creds = credentials_for(keystone_swift)
    reader = swift.Credentials(url=creds.url, username=localkeystone.READER_USERNAME,
                               key=localkeystone.READER_PASSWORD, account=creds.account, auth_version="3")
    conn = swift.connect(reader)
    try:
        swift.authenticate(conn)
        with pytest.raises(swift.SwiftError) as refused:
            swift.check_write_access(conn)
        assert refused.value.status == 403
    finally:
        conn.close()


def test_tempauth_credentials_do_not_open_the_keystone_swift(keystone_swift):
    """keystoneauth replaced tempauth: its /auth/v1.0 is gone."""
    conn = swift.connect(swift.Credentials(url=f"http://127.0.0.1:{keystone_swift.proxy_port}/auth/v1.0",
                                           username="test:tester", key="testing"))
    try:
        with pytest.raises(swift.SwiftError):
            swift.authenticate(conn)
    finally:
        conn.close()
