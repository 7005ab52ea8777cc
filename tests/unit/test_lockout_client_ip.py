from django.test import RequestFactory

from cloudadmin.lockout import client_ip


def test_remote_addr_unless_the_proxy_is_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    settings.TRUST_X_FORWARDED_FOR = False
    assert client_ip(request) == "10.0.0.2"  # a client cannot choose its address by a header
    settings.TRUST_X_FORWARDED_FOR = True
    assert client_ip(request) == "198.51.100.4"  # the one the trusted proxy appended


def test_trusted_proxy_without_header_falls_back(settings):
    settings.TRUST_X_FORWARDED_FOR = True
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
