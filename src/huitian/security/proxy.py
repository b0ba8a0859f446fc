"""The client's address and the request's scheme, behind reverse proxies that are trusted by name only.

`X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the socket's peer is one of
HUITIAN_TRUSTED_PROXIES (comma-separated IP addresses or CIDR networks; default empty: trust no one,
whatever the peer, local or not). From a trusted peer the client is the rightmost address of
X-Forwarded-For that is not itself a trusted proxy (each proxy appends the address it was reached from;
anything left of the last untrusted hop was written by the client and proves nothing), and the scheme is
X-Forwarded-Proto's last value when it is http or https.

ProxyHeadersMiddleware (outermost in create_app) resolves both once per request and writes them into the
scope, so `client_address(...)`, Starlette's `request.client`, `request.url` and the Secure flag of the
cookies all see the same answer. uvicorn's own proxy-header handling, which trusts 127.0.0.1 by default,
is switched off in `huitian serve`."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PEER_KEY = "huitian.peer"  # the socket's own peer (the proxy, when there is one), kept in the scope


def parse_networks(value: str | Iterable[str] | None) -> tuple[Network, ...]:
    """HUITIAN_TRUSTED_PROXIES as networks (a bare address: /32 or /128); ValueError naming a bad entry."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    networks = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"HUITIAN_TRUSTED_PROXIES: {item!r} is not an IP address or network") from exc
    return tuple(networks)


def _ip(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted(address: str | None, trusted: tuple[Network, ...]) -> bool:
    ip = _ip(address) if address and trusted else None
    return ip is not None and any(ip in net for net in trusted)


def forwarded_client(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client a trusted peer reports: the rightmost X-Forwarded-For hop that is not a trusted proxy
    (the leftmost when all are); the peer itself when the header names no usable address."""
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if _ip(hop) is None:  # garbage in the header: stop believing it here
            return peer
        if not is_trusted(hop, trusted):
            return str(_ip(hop))
    return str(_ip(hops[0])) if hops else peer


def resolve(scope: Scope, trusted: tuple[Network, ...]) -> tuple[str, str]:
    """(client address, scheme) of an HTTP or WebSocket scope, by the rules above."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    scheme = scope.get("scheme", "http")
    if not is_trusted(peer, trusted):
        return peer, scheme
    headers = {}
    for name, value in scope.get("headers", []):
        key = name.decode("latin-1").lower()
        if key in ("x-forwarded-for", "x-forwarded-proto"):  # several header lines: one list
            joined = value.decode("latin-1")
            headers[key] = f"{headers[key]},{joined}" if key in headers else joined
    address = forwarded_client(peer, headers.get("x-forwarded-for", ""), trusted)
    proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    if proto in ("http", "https"):
        scheme = proto if scope["type"] == "http" else {"http": "ws", "https": "wss"}[proto]
    return address, scheme


class ProxyHeadersMiddleware:
    """Rewrites scope["client"] and scope["scheme"] from the forwarding headers of trusted proxies; the
    socket's peer stays in scope["huitian.peer"]."""

    def __init__(self, app: ASGIApp, trusted: tuple[Network, ...] = ()) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and PEER_KEY not in scope:
            client = scope.get("client")
            scope[PEER_KEY] = client[0] if client else None
            address, scheme = resolve(scope, self.trusted)
            if client is None or address != client[0]:
                scope["client"] = (address, client[1] if client and address == client[0] else 0)
            scope["scheme"] = scheme
        await self.app(scope, receive, send)


def client_address(request_or_scope) -> str:
    """The client's address: what ProxyHeadersMiddleware resolved (the socket's peer unless a trusted
    proxy forwarded the request). Used by the rate limits, the login throttle and the logs."""
    scope = request_or_scope if isinstance(request_or_scope, dict) else request_or_scope.scope
    client = scope.get("client")
    return client[0] if client else "unknown"


def is_https(request_or_scope) -> bool:
    scope = request_or_scope if isinstance(request_or_scope, dict) else request_or_scope.scope
    return scope.get("scheme") in ("https", "wss")
