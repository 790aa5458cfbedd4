"""The mailing list's settings: ``serve:``, ``digest.postal_address`` and ``list_id``, ``smtp.dkim``; read as
:mod:`feeder.config` reads all.

``serve.public_url`` is where readers reach ``feeder serve`` (through the site's
reverse proxy); every link in an email that acts on the list — confirm,
unsubscribe — is built from it, so it must be an absolute http(s) URL, and it
always ends in ``/`` so that ``{public_url}unsubscribe/TOKEN`` needs no joining
rules.  The signing key is not here on purpose: it comes only from the
environment (``FEEDER_SECRET_KEY``), read by the CLI.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from feeder import config_values as check
from feeder.errors import ConfigError

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LIST_ID = re.compile(rf"^{_ATEXT}(\.{_ATEXT})+$")  # RFC 2919: list-label "." namespace, a dot-atom


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


@dataclass(frozen=True)
class Dkim:
    """smtp.dkim: sign every message for *domain* with the key published at ``<selector>._domainkey.<domain>``."""

    domain: str
    selector: str
    private_key_file: Path
    private_key: bytes = field(repr=False)  # the PEM, read and checked at start; never in a repr or a log


def read_dkim(smtp: check.Section, root: Path) -> Dkim | None:
    """``smtp.dkim``, its key read and parsed now: a bad key stops the start, never a send halfway."""
    if smtp.raw.get("dkim") is None:
        smtp.seen.add("dkim")
        return None
    k = smtp.section("dkim")
    signer, selector = domain(k, "domain"), domain(k, "selector")
    name = k.get("private_key_file", str)  # None when missing, which is recorded
    key_file = (root / Path(name).expanduser()).resolve() if name else None
    key = dkim_key(k, "private_key_file", key_file) if key_file is not None else b""
    k.done()
    return Dkim(domain=signer, selector=selector, private_key_file=key_file or root, private_key=key)


@check.checked(lambda sec, name, site_url: "digest.localhost")
def list_id(sec: check.Section, name: str, site_url: str) -> str:
    """RFC 2919's list identifier (``label.namespace``); by default ``digest.`` and the site URL's host."""
    value = sec.get(name, str, None)
    if value is None:
        host = urlsplit(site_url).hostname or "localhost"
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = "localhost"
        return f"digest.{host}"
    if not _LIST_ID.match(value) or len(value) > 255:
        raise ConfigError(f"{sec.key(name)}: must be a list label and a domain you control, dot-separated, in ASCII, "
                          f"without <> (RFC 2919), such as 'weekly.example.com'; got {value!r}")
    return value


@check.checked(lambda sec, name: "")
def domain(sec: check.Section, name: str) -> str:
    """A DNS name in ASCII (a DKIM domain or selector): labels of letters, digits and hyphens."""
    value = sec.get(name, str).strip()
    if not _DOMAIN.match(value):
        raise ConfigError(f"{sec.key(name)}: must be a DNS name such as 'example.com' (a selector: 'feeder2026'); "
                          f"got {value!r}")
    return value.lower()


@check.checked(lambda sec, name, file: b"")
def dkim_key(sec: check.Section, name: str, file: Path) -> bytes:
    """The PEM of an RSA private key of at least 1024 bits (PKCS#1 or PKCS#8, unencrypted), read from *file*."""
    from cryptography.exceptions import UnsupportedAlgorithm  # ~15 ms; only a config with smtp.dkim pays it
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    make = "make one with 'openssl genrsa -out dkim.pem 2048'"
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{sec.key(name)}: cannot read {file}: {exc.strerror or exc}; check the path and that "
                          "feeder's user may read it") from None
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        raise ConfigError(f"{sec.key(name)}: {file} is protected by a passphrase; feeder needs it without one "
                          "(openssl rsa -in dkim.pem -out dkim-plain.pem), readable by feeder's user only") from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(f"{sec.key(name)}: {file} is not a PEM private key; {make}") from None
    if not isinstance(key, RSAPrivateKey):
        raise ConfigError(f"{sec.key(name)}: {file} is not an RSA key (feeder signs with rsa-sha256); {make}")
    if key.key_size < 1024:
        raise ConfigError(f"{sec.key(name)}: {file} holds a {key.key_size}-bit RSA key; receivers ignore DKIM keys "
                          f"under 1024 bits: {make}")
    return data
