"""Who is asking, and how often: the client's address and the per-IP limit on ``POST /subscribe``.

The subscribe form is the one route anybody can call without a signed token, so it is
the one a script would hammer to mail-bomb strangers with confirmation emails (each
address gets at most one an hour anyway, see :mod:`feeder.serve.actions`) or to fill the
store.  Each client address gets ``serve.subscribe_limit`` requests per
``serve.subscribe_window`` seconds, counted in a sliding window in memory: one process
serves the list, and a restart forgetting the counts costs nothing that matters.  An
IPv6 client is counted by its /64: a home or a server is given a whole /64, and
counting each of its 2^64 addresses apart would be no limit at all.

Behind a reverse proxy every request comes from the proxy, so the client's address is
taken from ``X-Forwarded-For``, but only when the direct peer is one of
``serve.trusted_proxies``: anybody can write that header, and believing it by default
would let a script pick a fresh address for every request.  The header is read from the
right (what the nearest proxy appended) and the first address not itself a trusted
proxy is the client.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import deque
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_KEYS = 100_000  # client addresses remembered at most; an attack from many addresses cannot exhaust memory


def networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``["127.0.0.1", "10.0.0.0/8"]`` as networks (already checked by the config)."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443", as some proxies write it
        text = text[1: text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:51234"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_ip(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client's address: *peer*, or what *forwarded_for* says when *peer* is a trusted proxy."""
    address = _ip(peer or "")
    if address is None:
        return peer or "unknown"
    if not forwarded_for or not _trusted(address, trusted):
        return str(address)
    for hop in reversed(forwarded_for.split(",")):
        hop_address = _ip(hop)
        if hop_address is None:  # garbage written by someone: stop believing the rest
            return str(address)
        address = hop_address
        if not _trusted(address, trusted):
            break
    return str(address)


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[Network, ...]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in trusted)


def limit_key(ip: str) -> str:
    """What the limit counts by: the address, or for IPv6 its /64, which one subscriber line usually gets whole."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class RateLimit:
    """At most *limit* requests per *window* seconds for each key, in a sliding window.

    Times are the caller's (seconds, from the injected clock); nothing here reads a clock.
    Safe to call from several threads.
    """

    def __init__(self, limit: int, window: float, max_keys: int = MAX_KEYS) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, at: float) -> float:
        """0 when a request from *key* at *at* is allowed (and counted); else the seconds until one will be."""
        with self._lock:
            times = self._seen.get(key)
            if times is None:
                if len(self._seen) >= self.max_keys:
                    self._forget(at)
                times = self._seen[key] = deque()
            while times and times[0] <= at - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return max(times[0] + self.window - at, 1.0)
            times.append(at)
            return 0.0

    def _forget(self, at: float) -> None:
        """Drop keys with nothing in the window; if all are busy, the oldest half (an attack from many addresses)."""
        for key in [k for k, times in self._seen.items() if not times or times[-1] <= at - self.window]:
            del self._seen[key]
        if len(self._seen) >= self.max_keys:
            for key in list(self._seen)[: self.max_keys // 2]:
                del self._seen[key]
