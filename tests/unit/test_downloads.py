"""Pure logic of storage.downloads: address classes, image facts, the
template.properties it writes, and the URL checks on redirects."""
import struct

import pytest

from storage import downloads, properties
from storage.models import Template, TemplateRegistration
from tests.download_server import DownloadServer, qcow2_image


@pytest.mark.parametrize("address,internal", [
    ("127.0.0.1", True), ("10.0.0.5", True), ("172.16.3.4", True), ("192.168.1.1", True),
    ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.1", True),
    ("::1", True), ("fe80::1%eth0", True), ("fd00::1", True), ("::ffff:127.0.0.1", True),
    ("8.8.8.8", False), ("2001:4860:4860::8888", False), ("93.184.216.34", False),
])
def test_internal_addresses(address, internal):
    assert downloads.is_internal(address) is internal


# Every IPv6 form that embeds an IPv4 address is judged by that address:
# the download would reach it (through NAT64, a 6to4 or Teredo relay, or the
# host's own IPv4 stack), so an internal one behind any wrapping is refused.
@pytest.mark.parametrize("address,internal", [
    # NAT64, the well-known prefix 64:ff9b::/96 (and the local-use 64:ff9b:1::/48)
    ("64:ff9b::127.0.0.1", True), ("64:ff9b::a9fe:a9fe", True), ("64:ff9b::10.1.2.3", True),
    ("64:ff9b:1::a00:1", True), ("64:ff9b::8.8.8.8", False),
    # 6to4, 2002::/16: the IPv4 address is bits 16 to 48
    ("2002:7f00:1::1", True), ("2002:a9fe:a9fe::", True), ("2002:c0a8:101::1", True), ("2002:808:808::1", False),
    # IPv4-compatible ::/96 (deprecated, still routed by some stacks), and SIIT's ::ffff:0:0:0/96
    ("::127.0.0.1", True), ("::169.254.169.254", True), ("::10.0.0.1", True), ("::ffff:0:127.0.0.1", True),
    # Teredo, 2001::/32: server 8.8.8.8, client 127.0.0.1 / 10.0.0.1 (stored inverted); server 10.0.0.1
    ("2001:0:808:808::80ff:fffe", True), ("2001:0:808:808::f5ff:fffe", True), ("2001:0:a00:1::f7f7:fbfb", True),
    # IETF protocol assignments 192.0.0.0/24, the anycast ones Python calls global included, wrapped or not
    ("192.0.0.9", True), ("192.0.0.10", True), ("192.0.0.170", True), ("::ffff:192.0.0.9", True),
    ("64:ff9b::192.0.0.10", True), ("2002:c000:9::", True),
])
def test_embedded_ipv4_addresses_are_unwrapped(address, internal):
    assert downloads.is_internal(address) is internal


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x/y", "gopher://x/", "javascript:alert(1)",
                                 "http://user:pw@example.com/", "http://example.com:99999/"])
def test_only_plain_http_urls(url):
    with pytest.raises(downloads.DownloadError):
        downloads.check_scheme(url)


def test_virtual_size_from_the_headers(tmp_path):
    qcow2 = tmp_path / "a.qcow2"
    qcow2.write_bytes(qcow2_image(4096, virtual=123456789))
    assert downloads.virtual_size(qcow2, "qcow2", 4096) == 123456789
    footer = b"conectix" + b"\0" * 40 + struct.pack(">Q", 987654321) + b"\0" * 456
    vhd = tmp_path / "a.vhd"
    vhd.write_bytes(b"\1" * 1024 + footer)
    assert downloads.virtual_size(vhd, "vhd", 1536) == 987654321
    assert downloads.virtual_size(vhd, "raw", 1536) == 1536
    assert downloads.virtual_size(vhd, "ova", 1536) is None
    assert downloads.virtual_size(qcow2, "vhd", 4096) is None  # no footer: unknown


def test_written_properties_pass_the_scanners_check():
    template = Template(id=205, account_id=2)
    registration = TemplateRegistration(template=template, name="web = 1", description="a\nb", format="vhd",
                                        hypervisor="XenServer", public=False, filename="u.vhd")
    values = downloads.properties_values(template, registration, 4096, "a" * 32, 8192)
    checked = properties.check(properties.parse(properties.serialise(values)), folder_id=205)
    assert (checked.filename, checked.size, checked.virtual_size, checked.checksum, checked.format) == (
        "u.vhd", 4096, 8192, "a" * 32, "vhd")
    assert checked.name == "web = 1" and checked.description == "a\nb"
    assert values["public"] == "false" and values["vhd.size"] == "4096"
    assert "virtualsize" not in downloads.properties_values(template, registration, 1, "b" * 32, None)


def test_every_redirect_target_is_checked(settings, monkeypatch):
    """A URL allowed at first that redirects to an internal address is
    refused at the redirect. (Here 127.0.0.1, the test server, stands for a
    public address; every other address counts as internal.)"""
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = False
    monkeypatch.setattr(downloads, "is_internal", lambda address: address != "127.0.0.1")
    server = DownloadServer({"/ok": b"fine"}).start()
    try:
        conn, response, final = downloads.open_url(server.url("/ok"), timeout=5)
        assert response.read() == b"fine" and final == server.url("/ok")
        conn.close()
        with pytest.raises(downloads.DownloadError, match=r"internal address \(169\.254\.169\.254\)"):
            downloads.open_url("http://169.254.169.254/latest/meta-data/", timeout=5)
        port = server.httpd.server_address[1]
        internal = f"http://127.0.0.2:{port}/ok"
        with pytest.raises(downloads.DownloadError, match=r"internal address \(127\.0\.0\.2\)"):
            downloads.open_url(server.url(f"/redirect?to={internal}"), timeout=5)
        assert server.requests == ["/ok", f"/redirect?to={internal}"]  # 127.0.0.2 never asked
    finally:
        server.stop()
