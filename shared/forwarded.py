"""Who the client is, when proxies stand in between: X-Forwarded-For, believed only from trusted proxies.

Anyone can send an `X-Forwarded-For` header, so its values mean something only when the
connection comes from a proxy we run (the gateway appends the address it saw to the
header). `TRUSTED_PROXIES` lists those proxies as CIDRs (default: loopback). The client
is then the right-most address in the header that is not itself a trusted proxy: the
values to its left were written by the client and prove nothing. From any other peer,
the header is ignored and the peer's own address is the client.
"""
import ipaddress

from shared import settings

DEFAULT_TRUSTED_PROXIES = settings.default("TRUSTED_PROXIES")


def parse_networks(setting: str | None) -> tuple:
    """TRUSTED_PROXIES as networks: comma-separated CIDRs (or single addresses); empty trusts nobody."""
    text = DEFAULT_TRUSTED_PROXIES if setting is None else setting
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"TRUSTED_PROXIES must be comma-separated CIDRs such as 10.0.0.0/8: {exc}") from None


def _address(text: str):
    """One hop as an address, or None when it is not one ('unknown', garbage, a port we cannot read)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted_networks) -> str:
    """The client's address: `peer` is the direct connection's address (WSGI REMOTE_ADDR),
    `forwarded_for` the X-Forwarded-For header(s) as received (comma-separated hops)."""
    peer_address = _address(peer or "")
    if peer_address is None:
        return peer or "unknown"
    if not forwarded_for or not _trusted(peer_address, trusted_networks):
        return str(peer_address)
    client = peer_address
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:  # a trusted proxy wrote something unreadable: go no further back
            return str(client)
        client = address
        if not _trusted(address, trusted_networks):
            return str(address)
    return str(client)  # every hop is a trusted proxy: the left-most is the closest we know to the client


def client_key(address: str) -> str:
    """One client as a limit counts it (anonymous writes, sign-in attempts): an IPv4 address, or an
    IPv6 /64 (one subscriber's network, whose addresses the subscriber chooses freely)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def with_hop(forwarded_for: str | None, peer: str | None) -> str:
    """X-Forwarded-For as a proxy passes it on: the chain so far, then the peer it saw. What any
    proxy of ours sends onwards (the gateway, the pages' comment form); the one that reads the
    chain decides how far back to believe it (client_address, above)."""
    earlier = (forwarded_for or "").strip()
    peer = peer or ""
    return f"{earlier}, {peer}" if earlier else peer
