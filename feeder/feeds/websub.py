"""WebSub publisher pings: tell the hub which feeds changed, so subscribers get posts in seconds.

After a publish, each subscription feed whose bytes changed is announced with
``POST hub.mode=publish&hub.url=<feed URL>`` (one request per feed: not every
hub accepts several ``hub.url`` in one body).  A hub that is down must never
fail the publish that already wrote the files: failures come back as
messages, and the caller keeps the URLs to announce again on the next run.  If
the hub cannot be reached at all, the remaining URLs are not tried (each would
wait for the same timeout).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from feeder.version import __version__

log = logging.getLogger(__name__)
TIMEOUT = 10.0  # seconds per request

# (hub URL, form body) -> HTTP status; raises OSError (urllib.error.URLError, timeouts) when unreachable.
Poster = Callable[[str, bytes], int]


@dataclass
class PingReport:
    pinged: list[str] = field(default_factory=list)  # feed URLs the hub accepted
    failed: list[str] = field(default_factory=list)  # feed URLs to announce again next run
    problems: list[str] = field(default_factory=list)  # one message per failure, for the user


def http_post(hub: str, body: bytes, timeout: float = TIMEOUT) -> int:
    """POST a form to *hub* with urllib; the HTTP status (4xx/5xx included)."""
    import urllib.error  # with http.client and ssl, 23 ms of every publish's start-up otherwise
    import urllib.request

    request = urllib.request.Request(hub, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "User-Agent": f"feeder/{__version__} (WebSub publisher)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # http(s) only: checked in config
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


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
        elif status >= 500 or status == 429:  # the hub's trouble: worth another try
            report.failed.append(url)
            report.problems.append(f"WebSub hub {hub} answered {status} for {url}; it will be announced again")
        else:  # the hub refuses this request; repeating it would not help
            report.problems.append(f"WebSub hub {hub} refused {url} ({status})")
    return report  # its problems are for the caller to show (feeder publish prints each as a warning)
