"""WebSub publisher pings: tell the hub which feeds changed, so subscribers get posts in seconds.

After a publish, each subscription feed whose bytes changed is announced with
``POST hub.mode=publish&hub.url=<feed URL>`` (one request per feed: not every
hub accepts several ``hub.url`` in one body).  A hub that is down must never
fail the publish that already wrote the files: failures come back as
messages, and the caller keeps the URLs to announce again on the next run.  If
the hub cannot be reached at all, the remaining URLs are not tried (each would
wait for the same timeout).

Each request has one deadline for all of it (connect, send, the answer's
status line), not a timeout per socket operation that a hub sending a byte
every few seconds would never trip: publish holds its lock while it pings.
No redirect is followed: a hub that answers 3xx is reported, and the config
should name the hub it redirects to.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from feeder.version import __version__

if TYPE_CHECKING:  # loaded with http.client, only when a hub is pinged
    import socket

log = logging.getLogger(__name__)
TIMEOUT = 10.0  # seconds for a whole request

# (hub URL, form body) -> HTTP status; raises OSError (urllib.error.URLError, timeouts) when unreachable.
Poster = Callable[[str, bytes], int]


@dataclass
class PingReport:
    pinged: list[str] = field(default_factory=list)  # feed URLs the hub accepted
    failed: list[str] = field(default_factory=list)  # feed URLs to announce again next run
    problems: list[str] = field(default_factory=list)  # one message per failure, for the user


def http_post(hub: str, body: bytes, timeout: float | None = None) -> int:
    """POST a form to *hub*; the HTTP status (3xx, 4xx and 5xx included: nothing is followed).

    *timeout* (default :data:`TIMEOUT`) bounds the whole request; past it, ``TimeoutError``.
    """
    import http.client  # with ssl and socket, 30 ms of every publish's start-up otherwise
    import ssl

    limit = TIMEOUT if timeout is None else timeout
    end = time.monotonic() + limit
    parts = urlsplit(hub)  # http(s) with a host: checked in config
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=limit,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=limit)
    try:
        conn.connect()
        conn.sock = _Deadline(conn.sock, end)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", target, body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                    "User-Agent": f"feeder/{__version__} (WebSub publisher)"})
        return conn.getresponse().status
    except http.client.HTTPException as exc:  # not HTTP at all: as unusable as a hub that is down
        raise ConnectionError(f"no HTTP answer: {exc!r}") from None
    finally:
        conn.close()


class _Deadline:
    """A connected socket whose every read and write shares one deadline (http.client sees a plain socket)."""

    def __init__(self, sock: socket.socket, end: float) -> None:
        self._sock, self._end = sock, end

    def _arm(self) -> None:
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the hub did not answer in time")
        self._sock.settimeout(left)

    def sendall(self, data: bytes) -> None:
        self._arm()
        self._sock.sendall(data)

    def recv_into(self, buffer: bytearray | memoryview, nbytes: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes)

    def makefile(self, mode: str = "rb") -> io.BufferedReader:
        import socket  # loaded already, by http.client

        return io.BufferedReader(socket.SocketIO(self, "rb"))  # type: ignore[arg-type]  # reads come back here

    def _decref_socketios(self) -> None:
        """Called by SocketIO.close: the socket itself is closed with the connection."""

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        self._sock.close()


def ping(hub: str, feed_urls: list[str], post: Poster = http_post) -> PingReport:
    """Announce each of *feed_urls* to *hub*; 2xx is success (hubs answer 202 or 204)."""
    report = PingReport()
    for index, url in enumerate(feed_urls):
        try:
            status = post(hub, urlencode({"hub.mode": "publish", "hub.url": url}).encode("ascii"))
        except OSError as exc:  # refused, DNS, timeout: the hub is unreachable, so stop here
            reason = getattr(exc, "reason", None) or exc
            report.failed.extend(feed_urls[index:])
            report.problems.append(f"WebSub hub {hub} unreachable ({reason}); "
                                   f"{len(feed_urls) - index} feed(s) will be announced on the next publish")
            break
        if 200 <= status < 300:
            report.pinged.append(url)
            log.info("WebSub hub %s accepted %s (%d)", hub, url, status)
        elif 300 <= status < 400:  # not followed: a publish must not be sent on to wherever the answer points
            report.problems.append(f"WebSub hub {hub} answered {status} (a redirect, not followed) for {url}; "
                                   "set feeds.websub_hub to the hub's own URL")
        elif status >= 500 or status == 429:  # the hub's trouble: worth another try
            report.failed.append(url)
            report.problems.append(f"WebSub hub {hub} answered {status} for {url}; it will be announced again")
        else:  # the hub refuses this request; repeating it would not help
            report.problems.append(f"WebSub hub {hub} refused {url} ({status})")
    return report  # its problems are for the caller to show (feeder publish prints each as a warning)
