"""Every IPv4 rule of the zone wizard (zones/network.py)."""
import ipaddress

import pytest
from django.core.exceptions import ValidationError

from zones import network


def errors_of(call, *args, **kwargs):
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return {field: " ".join(str(m) for m in messages) for field, messages in caught.value.message_dict.items()}


def test_a_good_range():
    ip_range = network.check_range("192.168.10.1", "255.255.255.0", "192.168.10.100", "192.168.10.150")
    assert ip_range.network == ipaddress.IPv4Network("192.168.10.0/24")
    assert str(ip_range) == "192.168.10.100-192.168.10.150"


@pytest.mark.parametrize("mask", ["255.0.255.0", "255.255.255.1", "0.0.0.255", "255.255.0.128"])
def test_non_contiguous_netmask(mask):
    assert "contiguous" in errors_of(network.parse_netmask, mask, "netmask")["netmask"]


@pytest.mark.parametrize("mask", ["255.255.255", "24", "/24", "abc", "", "255.255.255.256"])
def test_netmask_not_dotted(mask):
    assert "dotted form" in errors_of(network.parse_netmask, mask, "netmask")["netmask"]


@pytest.mark.parametrize("mask,prefix", [("255.255.255.0", 24), ("255.255.0.0", 16), ("255.255.255.252", 30),
                                         ("128.0.0.0", 1)])
def test_contiguous_netmasks(mask, prefix):
    assert network.parse_netmask(mask) == prefix


@pytest.mark.parametrize("mask", ["255.255.255.254", "255.255.255.255"])
def test_netmask_leaving_no_room(mask):
    assert "no room" in errors_of(network.parse_netmask, mask)["netmask"]


def test_zero_netmask():
    assert "not a valid netmask" in errors_of(network.parse_netmask, "0.0.0.0")["netmask"]


def test_gateway_outside_subnet_puts_the_range_outside():
    errors = errors_of(network.check_range, "10.0.0.1", "255.255.255.0", "10.0.1.10", "10.0.1.20")
    assert "outside the gateway's subnet 10.0.0.0/24" in errors["start_ip"]
    assert "outside" in errors["end_ip"]


def test_end_outside_subnet_only():
    errors = errors_of(network.check_range, "10.0.0.1", "255.255.255.0", "10.0.0.10", "10.0.1.20")
    assert set(errors) == {"end_ip"}


@pytest.mark.parametrize("gateway", ["10.0.0.0", "10.0.0.255"])
def test_gateway_is_network_or_broadcast(gateway):
    errors = errors_of(network.check_range, gateway, "255.255.255.0", "10.0.0.10", "10.0.0.20")
    assert "a gateway must be a host address" in errors["gateway"]


@pytest.mark.parametrize("start,end,field", [("10.0.0.0", "10.0.0.20", "start_ip"), ("10.0.0.10", "10.0.0.255", "end_ip")])
def test_range_includes_network_or_broadcast(start, end, field):
    errors = errors_of(network.check_range, "10.0.0.1", "255.255.255.0", start, end)
    assert "network or broadcast address" in errors[field]


def test_start_after_end():
    errors = errors_of(network.check_range, "10.0.0.1", "255.255.255.0", "10.0.0.50", "10.0.0.20")
    assert "comes before the start IP" in errors["end_ip"]


def test_start_equal_end_is_one_address():
    ip_range = network.check_range("10.0.0.1", "255.255.255.0", "10.0.0.50", "10.0.0.50")
    assert ip_range.start == ip_range.end


def test_range_contains_gateway():
    errors = errors_of(network.check_range, "10.0.0.100", "255.255.255.0", "10.0.0.50", "10.0.0.150")
    assert "contains the gateway 10.0.0.100" in errors["start_ip"]


@pytest.mark.parametrize("address", ["999.1.1.1", "10.0.0", "fe80::1", "10.0.0.1 x", ""])
def test_bad_addresses(address):
    assert "valid IPv4 address" in errors_of(network.parse_address, address, "dns1")["dns1"]


@pytest.mark.parametrize("address", ["0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1"])
def test_non_unicast_addresses(address):
    assert "not a unicast address" in errors_of(network.parse_address, address, "dns1")["dns1"]


def test_every_bad_field_reported_at_once():
    errors = errors_of(network.check_range, "x", "255.0.255.0", "10.0.0.1", "y")
    assert set(errors) == {"gateway", "netmask", "end_ip"}


def test_custom_field_names():
    errors = errors_of(network.check_range, "10.0.0.1", "255.255.255.0", "10.0.0.9", "10.0.0.2",
                       fields=("guest_gateway", "guest_netmask", "guest_start_ip", "guest_end_ip"))
    assert set(errors) == {"guest_end_ip"}


@pytest.mark.parametrize("a,b,overlap", [
    (("10.0.0.10", "10.0.0.20"), ("10.0.0.20", "10.0.0.30"), True),   # share one address
    (("10.0.0.10", "10.0.0.20"), ("10.0.0.15", "10.0.0.16"), True),   # inside
    (("10.0.0.10", "10.0.0.20"), ("10.0.0.5", "10.0.0.40"), True),    # around
    (("10.0.0.10", "10.0.0.20"), ("10.0.0.21", "10.0.0.30"), False),  # adjacent
    (("10.0.0.30", "10.0.0.40"), ("10.0.0.10", "10.0.0.29"), False),
])
def test_overlapping_ranges(a, b, overlap):
    first = network.check_range("10.0.0.1", "255.255.255.0", *a)
    second = network.check_range("10.0.0.1", "255.255.255.0", *b)
    assert first.overlaps(second) is overlap and second.overlaps(first) is overlap


def test_cidr():
    assert str(network.check_cidr("10.1.1.0/24")) == "10.1.1.0/24"
    assert "did you mean 10.1.1.0/24" in errors_of(network.check_cidr, "10.1.1.5/24")["guest_cidr"]
    assert "such as" in errors_of(network.check_cidr, "10.1.1.0")["guest_cidr"]
    assert "such as" in errors_of(network.check_cidr, "10.1.1.0/33")["guest_cidr"]
    assert "/30" in errors_of(network.check_cidr, "10.1.1.0/31")["guest_cidr"]


@pytest.mark.parametrize("domain", ["cs1cloud.internal", "Example.COM", "a-b.c", "internal", "x.example.com."])
def test_valid_domains(domain):
    assert network.check_domain(domain) == domain.lower().rstrip(".")


@pytest.mark.parametrize("domain", ["-bad.com", "bad-.com", "a..b", "under_score.com", "a" * 64 + ".com",
                                    "1.2.3", "spa ce.com", ".", "é.com", ".".join(["abcdefgh"] * 30)])
def test_invalid_domains(domain):
    assert "valid domain" in errors_of(network.check_domain, domain)["network_domain"]


def test_hosts():
    assert network.check_host("10.0.0.5", "server") == "10.0.0.5"
    assert network.check_host("NFS1.example.com", "server") == "nfs1.example.com"
    assert "unicast" in errors_of(network.check_host, "0.0.0.0", "server")["server"]
    assert "host name" in errors_of(network.check_host, "nfs_1", "server")["server"]


@pytest.mark.parametrize("path,expected", [("/export/secondary", "/export/secondary"),
                                           ("/export//secondary/", "/export/secondary"), ("/", "/")])
def test_export_paths(path, expected):
    assert network.check_export_path(path) == expected


@pytest.mark.parametrize("path", ["export/secondary", "/export/../etc", "/a/./b", "/with space", "/tab\tx", "",
                                  "/back\\slash"])
def test_bad_export_paths(path):
    assert errors_of(network.check_export_path, path)["path"]
