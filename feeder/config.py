"""Read ``config.yaml`` once, at the edge, into frozen dataclasses.

Nothing downstream sees a raw dict: every key is checked here (type, range,
spelling), relative paths are resolved against the config file's folder (cron
runs from ``/``), and an unknown key is an error that suggests the nearest
known one, because a misspelt key silently ignored is a setting silently lost.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import time
from email.utils import parseaddr
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import ConfigError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_REQUIRED = object()
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # XML 1.0 forbids them


@dataclass(frozen=True)
class Author:
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Site:
    title: str
    url: str  # absolute http(s), always ending in "/"
    description: str
    language: str
    timezone: ZoneInfo
    author: Author | None


@dataclass(frozen=True)
class Feeds:
    rss: str | None  # path under output_dir, or None for no RSS feed
    atom: str | None
    max_items: int
    content: str  # "full" | "excerpt"
    excerpt_length: int  # characters (grapheme clusters)
    json: str | None = None  # JSON Feed 1.1 path under output_dir, or None
    tags: str | None = None  # folder under output_dir for per-tag feeds, or None for none
    categories: str | None = None  # folder for per-category feeds, or None
    stylesheet: str | None = None  # XSLT path under output_dir, or None for plain XML
    websub_hub: str | None = None  # absolute http(s) URL of a WebSub hub to ping
    archive: str | None = None  # folder for RFC 5005 archive pages, or None
    archive_size: int = 50  # entries per archive page


@dataclass(frozen=True)
class Digest:
    max_items: int
    subject: str  # str.format template: {site}, {week}, {start}, {end}, {count}
    sender: str | None  # the `from` key
    unsubscribe_url: str | None  # contains {email}
    excerpt_length: int
    week_starts: int  # 0 = Monday … 6 = Sunday
    templates: Path | None
    recipients: Path | None
    send_day: int  # 0 = Monday … 6 = Sunday
    send_time: time


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # "starttls" | "ssl" | "none"
    timeout: float
    rate_limit: float  # messages per second; 0 = unlimited
    retries: int
    max_consecutive_failures: int


@dataclass(frozen=True)
class Schedule:
    publish_every_minutes: int


@dataclass(frozen=True)
class Config:
    path: Path
    site: Site
    posts_dir: Path
    output_dir: Path
    state_dir: Path
    permalink: str
    feeds: Feeds
    digest: Digest
    smtp: Smtp
    schedule: Schedule

    @property
    def fingerprint(self) -> str:
        """Changes whenever any setting does; caches keyed on it never outlive a config edit."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


class _Section:
    """One mapping of the file: typed reads, and every key not read is an error."""

    def __init__(self, raw: Any, where: str) -> None:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{where or 'the file'}: expected a mapping of keys, got {_kind(raw)}")
        self.raw, self.where, self.seen = raw, where, set()

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = _REQUIRED) -> Any:
        self.seen.add(name)
        value = self.raw.get(name)
        if value is None:
            if default is _REQUIRED:
                raise ConfigError(f"{self.key(name)}: required key is missing")
            return default
        if kind is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
            wanted = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise ConfigError(f"{self.key(name)}: expected {_article(wanted)}, got {_kind(value)} {value!r}")
        if isinstance(value, str) and _CONTROL.search(value):  # a YAML escape such as "\x01" would crash the feeds
            raise ConfigError(f"{self.key(name)}: contains a control character, {value!r}; remove it")
        return value

    def number(self, name: str, kind: type, default: Any, low: float, high: float | None = None) -> Any:
        value = self.get(name, kind, default)
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ConfigError(f"{self.key(name)}: must be {bound}, got {value}")
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(name, str, default)
        if value.lower() not in choices:
            raise ConfigError(f"{self.key(name)}: must be one of {', '.join(choices)}; got {value!r}")
        return value.lower()

    def section(self, name: str) -> _Section:
        self.seen.add(name)
        return _Section(self.raw.get(name), self.key(name))

    def done(self) -> None:
        for name in self.raw:
            if name not in self.seen:
                near = difflib.get_close_matches(str(name), sorted(self.seen), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else f"; known keys: {', '.join(sorted(self.seen))}"
                raise ConfigError(f"{self.key(str(name))}: unknown key{hint}")


def load_config(path: Path) -> Config:
    """Read and check the file at *path*; raise :class:`ConfigError` naming the bad key."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (pass --config PATH)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        return parse_config(raw, path.resolve().parent, path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse_config(raw: Any, root: Path, path: Path) -> Config:
    """Turn the parsed YAML into a :class:`Config`; relative paths resolve against *root*."""
    top = _Section(raw, "")
    s = top.section("site")
    author = None
    if s.raw.get("author") is not None:
        a = s.section("author")
        author = Author(name=a.get("name", str), email=_email(a, "email", None))
        a.done()
    else:
        s.seen.add("author")
    site = Site(
        title=_text(s, "title"),
        url=_site_url(s),
        description=s.get("description", str, ""),
        language=_language(s),
        timezone=_timezone(s),
        author=author,
    )
    s.done()

    f = top.section("feeds")
    feeds = Feeds(
        rss=_output_path(f, "rss", "feed.xml"),
        atom=_output_path(f, "atom", "atom.xml"),
        max_items=f.number("max_items", int, 20, 1, 10_000),
        content=f.choice("content", ("full", "excerpt"), "full"),
        excerpt_length=f.number("excerpt_length", int, 300, 20, 10_000),
        json=_output_path(f, "json", None),
        tags=_switch_path(f, "tags", "tags"),
        categories=_switch_path(f, "categories", "categories"),
        stylesheet=_switch_path(f, "stylesheet", "feed.xsl"),
        websub_hub=_hub_url(f, "websub_hub"),
        archive=_switch_path(f, "archive", "archive"),
        archive_size=f.number("archive_size", int, 50, 1, 10_000),
    )
    f.done()
    _distinct_outputs(f, feeds)

    d = top.section("digest")
    unsubscribe = d.get("unsubscribe_url", str, None)
    if unsubscribe is not None and "{email}" not in unsubscribe:
        raise ConfigError(f"{d.key('unsubscribe_url')}: must contain {{email}}, where each recipient's address goes")
    subject = d.get("subject", str, "{site}: the week of {start} ({week})")
    _check_template(d, "subject", subject, ("site", "week", "start", "end", "count"))
    digest = Digest(
        max_items=d.number("max_items", int, 20, 1, 200),
        subject=subject,
        sender=_email(d, "from", None),
        unsubscribe_url=unsubscribe,
        excerpt_length=d.number("excerpt_length", int, 200, 20, 5_000),
        week_starts=WEEKDAYS.index(d.choice("week_starts", WEEKDAYS, "monday")),
        templates=_path(d, "templates", None, root),
        recipients=_path(d, "recipients", None, root),
        send_day=WEEKDAYS.index(d.choice("send_day", WEEKDAYS, "monday")),
        send_time=_clock_time(d, "send_time", "09:00"),
    )
    d.done()

    m = top.section("smtp")
    smtp = Smtp(
        host=m.get("host", str, "localhost"),
        port=m.number("port", int, 587, 1, 65535),
        security=m.choice("security", ("starttls", "ssl", "none"), "starttls"),
        timeout=m.number("timeout", float, 30.0, 0.1),
        rate_limit=m.number("rate_limit", float, 0.0, 0.0),
        retries=m.number("retries", int, 3, 0, 20),
        max_consecutive_failures=m.number("max_consecutive_failures", int, 10, 1),
    )
    m.done()

    c = top.section("schedule")
    schedule = Schedule(publish_every_minutes=c.number("publish_every_minutes", int, 5, 1, 1440))
    c.done()

    config = Config(
        path=path,
        site=site,
        posts_dir=_path(top, "posts_dir", "posts", root),
        output_dir=_path(top, "output_dir", "public", root),
        state_dir=_path(top, "state_dir", ".feeder", root),
        permalink=_permalink(top),
        feeds=feeds,
        digest=digest,
        smtp=smtp,
        schedule=schedule,
    )
    top.done()
    if config.state_dir == config.output_dir or config.output_dir in config.state_dir.parents:
        raise ConfigError("state_dir: must not be inside output_dir (the state is private; the output is published)")
    return config


def _text(sec: _Section, name: str) -> str:
    value = sec.get(name, str).strip()
    if not value:
        raise ConfigError(f"{sec.key(name)}: must not be empty")
    return value


def _site_url(sec: _Section) -> str:
    url = _text(sec, "url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"{sec.key('url')}: must be an absolute http(s) URL such as https://example.com/, got {url!r}")
    return url if url.endswith("/") else url + "/"


def _language(sec: _Section) -> str:
    value = sec.get("language", str, "en")
    if not _LANGUAGE.match(value):
        raise ConfigError(f"{sec.key('language')}: must be a BCP 47 language tag such as 'en' or 'ja-JP', got {value!r}")
    return value


def _timezone(sec: _Section) -> ZoneInfo:
    name = sec.get("timezone", str, "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{sec.key('timezone')}: unknown IANA time zone {name!r} (e.g. 'Asia/Tokyo', 'UTC')") from None


def _email(sec: _Section, name: str, default: str | None) -> str | None:
    value = sec.get(name, str, default)
    if value is not None and ("@" not in parseaddr(value)[1] or any(c in value for c in "\r\n")):
        raise ConfigError(f"{sec.key(name)}: not an email address: {value!r}")
    return value


def _path(sec: _Section, name: str, default: str | None, root: Path) -> Path | None:
    value = sec.get(name, str, default)
    return None if value is None else (root / Path(value).expanduser()).resolve()


def _output_path(sec: _Section, name: str, default: str | None) -> str | None:
    if name in sec.raw and sec.raw[name] in (None, False):
        sec.seen.add(name)
        return None
    value = sec.get(name, str, default)
    if value is None:
        return None
    pure = PurePosixPath(value)
    if not value or pure.is_absolute() or ".." in pure.parts or "\\" in value:
        raise ConfigError(f"{sec.key(name)}: must be a relative path inside output_dir, got {value!r}")
    return pure.as_posix()


def _switch_path(sec: _Section, name: str, default: str) -> str | None:
    """An optional output: false/absent is off, true is on at *default*, a string is on at that path."""
    if sec.raw.get(name) is True:
        sec.seen.add(name)
        return default
    if name in sec.raw and not isinstance(sec.raw[name], (str, type(None), bool)):
        sec.get(name, (str, bool))  # raises, naming the key and the wrong type
    return _output_path(sec, name, None)


def _distinct_outputs(sec: _Section, feeds: Feeds) -> None:
    """Two outputs at one path would overwrite each other; a feed inside a generated folder could be deleted."""
    files = {k: getattr(feeds, k) for k in ("rss", "atom", "json", "stylesheet") if getattr(feeds, k)}
    folders = {k: getattr(feeds, k) for k in ("tags", "categories", "archive") if getattr(feeds, k)}
    seen: dict[str, str] = {}
    for key, path in (*files.items(), *folders.items()):
        if path in seen:
            raise ConfigError(f"{sec.key(key)}: {path!r} is already used by {sec.key(seen[path])}")
        seen[path] = key
    for key, path in files.items():
        for folder_key, folder in folders.items():
            if path.startswith(folder + "/"):
                raise ConfigError(f"{sec.key(key)}: {path!r} is inside {sec.key(folder_key)}'s folder {folder!r}, "
                                  "which feeder manages; choose another path")


def _hub_url(sec: _Section, name: str) -> str | None:
    url = sec.get(name, str, None)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in url for c in "\r\n "):
        raise ConfigError(f"{sec.key(name)}: must be an absolute http(s) URL such as https://pubsubhubbub.appspot.com/, "
                          f"got {url!r}")
    return url


_PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title.html",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title.html",
    "none": "/:categories/:title.html",
}
PLACEHOLDERS = ("year", "short_year", "month", "i_month", "day", "i_day", "y_day", "hour",
                "minute", "second", "slug", "title", "categories")


def _permalink(sec: _Section) -> str:
    value = sec.get("permalink", str, "/:year/:month/:day/:slug/")
    value = _PERMALINK_STYLES.get(value, value)
    if not value.startswith("/"):
        raise ConfigError(f"permalink: must start with '/', got {value!r}")
    for name in re.findall(r":([a-z_]+)", value):
        if name not in PLACEHOLDERS:
            raise ConfigError(f"permalink: unknown placeholder ':{name}'; known: {', '.join(':' + p for p in PLACEHOLDERS)}")
    return value


def _clock_time(sec: _Section, name: str, default: str) -> time:
    value = sec.get(name, str, default)
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise ConfigError(f"{sec.key(name)}: must be a 24-hour time HH:MM, got {value!r}")
    return time(int(match[1]), int(match[2]))


def _check_template(sec: _Section, name: str, template: str, names: tuple[str, ...]) -> None:
    try:
        template.format(**{n: "" for n in names})
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"{sec.key(name)}: bad template {template!r} ({exc}); placeholders: "
                          + ", ".join("{" + n + "}" for n in names)) from None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _article(word: str) -> str:
    return {"str": "a string", "int": "a whole number", "float": "a number", "bool": "true or false"}.get(word, word)
