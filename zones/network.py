"""IPv4 rules of the zone wizard, as a careful network engineer applies them.

Pure functions: they raise ValidationError with a message keyed by the form
field at fault, so forms can hand the error straight to the right field.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A /31 or /32 leaves no room for a gateway plus a range of other addresses.
LONGEST_PREFIX = 30
DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)


def parse_address(text: str, field: str) -> ipaddress.IPv4Address:
    """A usable unicast IPv4 address (not 0.0.0.0, multicast, broadcast or reserved)."""
    try:
        address = ipaddress.IPv4Address(str(text).strip())
    except ValueError:
        raise ValidationError({field: _("Enter a valid IPv4 address, such as 192.168.1.10.")}) from None
    if address.is_unspecified or address.is_multicast or address.is_reserved or address == ipaddress.IPv4Address("255.255.255.255"):
        raise ValidationError({field: _("%(address)s cannot be used here: it is not a unicast address.")
                               % {"address": address}})
    return address


def parse_netmask(text: str, field: str = "netmask") -> int:
    """The prefix length of a dotted netmask such as 255.255.255.0.

    The mask must be contiguous (ones then zeros) and leave room for a
    gateway and a range: 255.255.255.252 (/30) at most.
    """
    try:
        mask = int(ipaddress.IPv4Address(str(text).strip()))
    except ValueError:
        raise ValidationError({field: _("Enter the netmask in dotted form, such as 255.255.255.0.")}) from None
    inverted = mask ^ 0xFFFFFFFF
    if mask == 0 or inverted & (inverted + 1):
        raise ValidationError({field: _("%(mask)s is not a valid netmask: its ones must be contiguous "
                                        "(such as 255.255.255.0).") % {"mask": str(text).strip()}})
    prefix = 32 - inverted.bit_length()
    if prefix > LONGEST_PREFIX:
        raise ValidationError({field: _("A /%(prefix)d netmask leaves no room for a gateway and a range: "
                                        "use 255.255.255.252 (/30) or shorter.") % {"prefix": prefix}})
    return prefix


@dataclass(frozen=True)
class IpRange:
    """A gateway, its subnet, and a range of addresses [start, end] in it."""

    network: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address
    start: ipaddress.IPv4Address
    end: ipaddress.IPv4Address

    def overlaps(self, other: IpRange) -> bool:
        return self.start <= other.end and other.start <= self.end

    def __str__(self):
        return f"{self.start}-{self.end}"


def check_range(gateway: str, netmask: str, start: str, end: str, *,
                fields=("gateway", "netmask", "start_ip", "end_ip")) -> IpRange:
    """Validate a gateway, netmask and address range together.

    The netmask is contiguous; the gateway lies in the subnet and is neither
    its network nor its broadcast address; start <= end, both in the subnet,
    neither the network nor the broadcast address, and the gateway is not in
    the range. `fields` names the form fields, in that order.
    """
    gateway_field, netmask_field, start_field, end_field = fields
    errors = {}
    parsed = {}
    for field, text, parse in ((netmask_field, netmask, parse_netmask), (gateway_field, gateway, parse_address),
                               (start_field, start, parse_address), (end_field, end, parse_address)):
        try:
            parsed[field] = parse(text, field)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    prefix, gw = parsed[netmask_field], parsed[gateway_field]
    first, last = parsed[start_field], parsed[end_field]
    network = ipaddress.IPv4Network(f"{gw}/{prefix}", strict=False)
    if gw in (network.network_address, network.broadcast_address):
        raise ValidationError({gateway_field: _(
            "%(gateway)s is the network or broadcast address of %(network)s: a gateway must be a host address."
        ) % {"gateway": gw, "network": network}})
    for field, address in ((start_field, first), (end_field, last)):
        if address not in network:
            errors[field] = _("%(address)s is outside the gateway's subnet %(network)s.") % {
                "address": address, "network": network}
        elif address in (network.network_address, network.broadcast_address):
            errors[field] = _("%(address)s is the network or broadcast address of %(network)s.") % {
                "address": address, "network": network}
    if errors:
        raise ValidationError(errors)
    if first > last:
        raise ValidationError({end_field: _("The end IP %(end)s comes before the start IP %(start)s.") % {
            "end": last, "start": first}})
    if first <= gw <= last:
        raise ValidationError({start_field: _(
            "The range %(start)s-%(end)s contains the gateway %(gateway)s: leave the gateway out of it."
        ) % {"start": first, "end": last, "gateway": gw}})
    return IpRange(network=network, gateway=gw, start=first, end=last)


def check_cidr(text: str, field: str = "guest_cidr") -> ipaddress.IPv4Network:
    """A network in CIDR form with no host bits set, such as 10.1.1.0/24."""
    value = str(text).strip()
    if "/" not in value:
        raise ValidationError({field: _("Enter a CIDR such as 10.1.1.0/24.")})
    try:
        loose = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise ValidationError({field: _("Enter a CIDR such as 10.1.1.0/24.")}) from None
    if str(loose.network_address) != value.split("/")[0]:
        raise ValidationError({field: _("%(value)s has host bits set: did you mean %(network)s?") % {
            "value": value, "network": loose}})
    network = loose
    if network.prefixlen > LONGEST_PREFIX or network.prefixlen == 0:
        raise ValidationError({field: _("The guest CIDR must be between /1 and /30.")})
    return network


def check_domain(text: str, field: str = "network_domain") -> str:
    """A DNS domain such as cs1cloud.internal: labels of letters, digits and
    inner hyphens, 63 characters each, 253 in all."""
    value = str(text).strip().rstrip(".").lower()
    labels = value.split(".")
    if not value or len(value) > 253 or not all(DOMAIN_LABEL.match(label) for label in labels):
        raise ValidationError({field: _("Enter a valid domain, such as cs1cloud.internal.")})
    if labels[-1].isdigit():
        raise ValidationError({field: _("Enter a valid domain, such as cs1cloud.internal.")})
    return value


def check_host(text: str, field: str) -> str:
    """A server or host: an IPv4 address or a DNS name."""
    value = str(text).strip()
    if re.fullmatch(r"[0-9.]+", value):
        return str(parse_address(value, field))
    try:
        return check_domain(value, field)
    except ValidationError:
        raise ValidationError({field: _("Enter an IPv4 address or a host name, such as 10.0.0.5 or nfs1.example.com.")}) from None


def check_export_path(text: str, field: str = "path") -> str:
    """An absolute export path such as /export/secondary: no '..', no spaces
    or control characters, no trailing slash."""
    value = str(text).strip()
    if not value.startswith("/") or any(c.isspace() or ord(c) < 32 for c in value) or "\\" in value:
        raise ValidationError({field: _("Enter an absolute path such as /export/secondary.")})
    parts = [p for p in value.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValidationError({field: _("The path must not contain '.' or '..' parts.")})
    if len(value) > 1024:
        raise ValidationError({field: _("The path is too long.")})
    return "/" + "/".join(parts)
