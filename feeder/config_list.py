"""The mailing list's settings: ``serve:`` and ``digest.postal_address``, read as :mod:`feeder.config` reads all.

``serve.public_url`` is where readers reach ``feeder serve`` (through the site's
reverse proxy); every link in an email that acts on the list — confirm,
unsubscribe — is built from it, so it must be an absolute http(s) URL, and it
always ends in ``/`` so that ``{public_url}unsubscribe/TOKEN`` needs no joining
rules.  The signing key is not here on purpose: it comes only from the
environment (``FEEDER_SECRET_KEY``), read by the CLI.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from feeder import config_values as check
from feeder.errors import ConfigError


@dataclass(frozen=True)
class Serve:
    public_url: str | None = None  # absolute http(s), ends in "/"; None: no list links (send falls back, see send.py)
    thanks_url: str | None = None  # absolute http(s): POST /subscribe redirects there instead of its own page
    confirm_expiry_days: int = 7  # a confirmation link older than this is refused
    subscribe_limit: int = 10  # POST /subscribe requests one IP may make …
    subscribe_window: int = 600  # … per this many seconds
    confirm_interval: int = 3600  # seconds: at most one confirmation email per address in this time
    templates: Path | None = None  # a folder whose files override the pages feeder serve shows
    trusted_proxies: tuple[str, ...] = ()  # networks whose X-Forwarded-For is believed (the reverse proxy)


@check.checked(lambda sec, name: None)
def absolute_url(sec: check.Section, name: str) -> str | None:
    """An absolute http(s) URL without query or fragment, normalised to end in ``/``; None when absent."""
    url = sec.get(name, str, None)
    if url is None:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
            or any(c.isspace() for c in url) or not url.isascii()):
        raise ConfigError(f"{sec.key(name)}: must be an absolute http(s) URL in ASCII, without query or fragment, "
                          f"such as https://example.com/list/; got {url!r}")
    return url if url.endswith("/") else url + "/"


@check.checked(lambda sec, name: None)
def redirect_url(sec: check.Section, name: str) -> str | None:
    """An absolute http(s) URL kept as written (a page of the site, which may have a query)."""
    url = sec.get(name, str, None)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ConfigError(f"{sec.key(name)}: must be an absolute http(s) URL such as "
                          f"https://example.com/thanks/; got {url!r}")
    return url


@check.checked(lambda sec, name: ())
def networks(sec: check.Section, name: str) -> tuple[str, ...]:
    """A list of IP addresses or CIDR networks, each normalised (``10.0.0.0/8``, ``::1/128``)."""
    value = sec.get(name, list, [])
    found, bad = [], []
    for item in value:
        try:
            found.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
        except ValueError:
            bad.append(repr(item))
    if bad:
        raise ConfigError(f"{sec.key(name)}: not an IP address or network: {', '.join(bad)} "
                          "(write e.g. ['127.0.0.1', '::1', '10.0.0.0/8'])")
    return tuple(found)


def read_serve(top: check.Section, root: Path) -> Serve:
    """The ``serve:`` section (absent: no public URL, every other value its default); paths against *root*."""
    s = top.section("serve")
    serve = Serve(
        public_url=absolute_url(s, "public_url"),
        thanks_url=redirect_url(s, "thanks_url"),
        confirm_expiry_days=s.number("confirm_expiry_days", int, 7, 1, 365),
        subscribe_limit=s.number("subscribe_limit", int, 10, 1, 100_000),
        subscribe_window=s.number("subscribe_window", int, 600, 1, 86_400),
        confirm_interval=s.number("confirm_interval", int, 3600, 0, 7 * 86_400),
        templates=check.path(s, "templates", None, root),
        trusted_proxies=networks(s, "trusted_proxies"),
    )
    s.done()
    return serve


@check.checked(lambda sec: None)
def postal_address(sec: check.Section) -> str | None:
    """``digest.postal_address``: one or more lines of plain text, no control character but the line break."""
    value = sec.get("postal_address", str, None)
    if value is None:
        return None
    lines = [line.strip() for line in value.strip().splitlines()]
    if not any(lines) or len(value) > 500:
        raise ConfigError(f"{sec.key('postal_address')}: must be a postal address of 1 to 500 characters, "
                          f"got {len(value)} characters")
    return "\n".join(line for line in lines if line)
