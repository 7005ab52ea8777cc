"""Is an address internal (loopback, private, link-local, ...)? Used by
Register template's download, which must not reach the app's own network.

IPv6 has several forms that carry an IPv4 address; a connection to one of
them ends at that IPv4 address (the host's own stack, a NAT64 gateway, a
6to4 or Teredo relay), so each is unwrapped and the IPv4 address decides.
"""
from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv6Address

# Forms whose low 32 bits are the IPv4 address itself: IPv4-mapped, SIIT's
# IPv4-translated, NAT64's well-known prefix, and IPv4-compatible (which
# also holds :: and ::1, judged as 0.0.0.0 and 0.0.0.1: internal).
_TRANSLATED = [ipaddress.ip_network(n) for n in ("::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "::/96")]
# NAT64 prefixes a network picks for itself: always a gateway of its own.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
# IETF protocol assignments: Python calls some global (PCP and TURN anycast);
# no template is served from there.
_PROTOCOL_ASSIGNMENTS = ipaddress.ip_network("192.0.0.0/24")


def _internal_ipv4(ip: IPv4Address) -> bool:
    return not ip.is_global or ip.is_multicast or ip in _PROTOCOL_ASSIGNMENTS


def embedded_ipv4(ip: IPv6Address) -> list[IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (6to4 and Teredo: the relay's
    and the client's), or none."""
    if any(ip in network for network in _TRANSLATED):
        return [IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    return []


def is_internal(address: str) -> bool:
    """True for any address that is not a public unicast one: loopback,
    private, link-local (cloud metadata services), shared, reserved,
    multicast, unspecified, also when wrapped in IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 4:
        return _internal_ipv4(ip)
    if ip in _LOCAL_NAT64:
        return True
    embedded = embedded_ipv4(ip)
    if any(ip in network for network in _TRANSLATED):
        return _internal_ipv4(embedded[0])  # the IPv4 address is the destination
    if any(_internal_ipv4(v4) for v4 in embedded):
        return True
    return not ip.is_global or ip.is_multicast
