"""Read ``config.yaml`` once, at the edge, into frozen dataclasses.

Nothing downstream sees a raw dict: every key is checked here (type, range,
spelling), relative paths are resolved against the config file's folder (cron
runs from ``/``), and an unknown key is an error that suggests the nearest
known one, because a misspelt key silently ignored is a setting silently lost.
The whole file is checked before anything is raised, so one :class:`ConfigError`
lists every mistake in it, one line each.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml

from feeder import config_values as check
from feeder.config_list import Dkim, Serve, list_id, postal_address, read_dkim, read_serve
from feeder.config_paths import DIGESTS, overwrites
from feeder.errors import ConfigError
from feeder.jekyll_site import JekyllSite, overridden, read_jekyll

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Content = Literal["full", "excerpt"]  # feeds.content: each entry's whole post, or its excerpt


class Security(StrEnum):
    """smtp.security: how the connection to the server is protected."""

    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS, which is required
    SSL = "ssl"  # TLS from the first byte (usually port 465)
    NONE = "none"  # no TLS at all: a trusted network only (a login needs smtp.allow_plaintext_auth)


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
    content: Content
    excerpt_length: int  # characters (grapheme clusters)
    json: str | None = None  # JSON Feed 1.1 path under output_dir, or None
    tags: str | None = None  # folder under output_dir for per-tag feeds, or None for none
    categories: str | None = None  # folder for per-category feeds, or None
    stylesheet: str | None = None  # XSLT path under output_dir, or None for plain XML
    websub_hub: str | None = None  # absolute http(s) URL of a WebSub hub to ping
    archive: str | None = None  # folder for RFC 5005 archive pages, or None
    archive_size: int = 50  # entries per archive page
    max_labels_per_post: int = 20  # tags (and, apart, categories) of one post that count; the rest are left out


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
    postal_address: str | None = None  # printed in every message's footer (CAN-SPAM asks for one)
    soft_bounce_weeks: int = 3  # a 4xx in this many weeks in a row, no delivery between: a bounce
    list_id: str = "digest.localhost"  # RFC 2919 list-label.namespace: `digest.list_id`, or digest.<site host>


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: Security
    timeout: float
    rate_limit: float  # messages per second; 0 = unlimited
    retries: int
    max_consecutive_failures: int
    allow_plaintext_auth: bool = False  # with security "none": may the login cross the network unencrypted?
    dkim: Dkim | None = None  # DKIM signing, when configured


@dataclass(frozen=True)
class Preview:
    test_to: tuple[str, ...] = ()  # where the preview's "send a test to me" goes (address or Name <address>)


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
    jekyll: JekyllSite | None = None  # `jekyll: PATH`: the Jekyll site whose _config.yml and _posts/ feeder reads
    preview: Preview = Preview()
    serve: Serve = field(default_factory=Serve)  # the list's web service; absent: no public URL

    @property
    def fingerprint(self) -> str:
        """Changes whenever any setting does; caches keyed on it never outlive a config edit."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


def load_config(path: Path) -> Config:
    """Read and check the file at *path*; raise one :class:`ConfigError` naming every bad key, one line each."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (pass --config PATH)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 3 ms less
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        return parse_config(raw, path.resolve().parent, path)
    except ConfigError as exc:
        raise ConfigError(*(f"{path}: {problem}" for problem in exc.problems)) from None


def parse_config(raw: Any, root: Path, path: Path) -> Config:
    """Turn the parsed YAML into a :class:`Config`; relative paths resolve against *root*.

    Every key is checked even after a mistake (see :mod:`feeder.config_values`); then any
    problems are raised together as one :class:`ConfigError`.
    """
    jekyll, raw, jekyll_problems = _jekyll(raw, root)
    top = check.Section(raw, "")
    problems = top.problems
    problems.extend(jekyll_problems)
    if jekyll is not None:
        top.seen.add("jekyll")
    s = top.section("site")
    author = None
    if s.raw.get("author") is not None:
        a = s.section("author")
        author = Author(name=a.get("name", str), email=check.email(a, "email", None))
        a.done()
    else:
        s.seen.add("author")
    site = Site(
        title=check.text(s, "title"),
        url=check.site_url(s),
        description=s.get("description", str, ""),
        language=check.language(s),
        timezone=check.timezone(s),
        author=author,
    )
    s.done()

    f = top.section("feeds")
    feeds = Feeds(
        rss=check.output_path(f, "rss", "feed.xml"),
        atom=check.output_path(f, "atom", "atom.xml"),
        max_items=f.number("max_items", int, 20, 1, 10_000),
        content=f.choice("content", ("full", "excerpt"), "full"),
        excerpt_length=f.number("excerpt_length", int, 300, 20, 10_000),
        json=check.output_path(f, "json", None),
        tags=check.switch_path(f, "tags", "tags"),
        categories=check.switch_path(f, "categories", "categories"),
        stylesheet=check.switch_path(f, "stylesheet", "feed.xsl"),
        websub_hub=check.hub_url(f, "websub_hub"),
        archive=check.switch_path(f, "archive", "archive"),
        archive_size=f.number("archive_size", int, 50, 1, 10_000),
        max_labels_per_post=f.number("max_labels_per_post", int, 20, 1, 10_000),
    )
    f.done()
    _distinct_outputs(f, feeds)

    d = top.section("digest")
    unsubscribe = d.get("unsubscribe_url", str, None)
    if unsubscribe is not None and "{email}" not in unsubscribe:
        problems.append(f"{d.key('unsubscribe_url')}: must contain {{email}}, where each recipient's address goes")
    subject = d.get("subject", str, "{site}: the week of {start} ({week})")
    check.check_template(d, "subject", subject, ("site", "week", "start", "end", "count"))
    digest = Digest(
        max_items=d.number("max_items", int, 20, 1, 200),
        subject=subject,
        sender=check.mailbox(d, "from", None),
        unsubscribe_url=unsubscribe,
        excerpt_length=d.number("excerpt_length", int, 200, 20, 5_000),
        week_starts=WEEKDAYS.index(d.choice("week_starts", WEEKDAYS, "monday")),
        templates=check.path(d, "templates", None, root),
        recipients=check.path(d, "recipients", None, root),
        send_day=WEEKDAYS.index(d.choice("send_day", WEEKDAYS, "monday")),
        send_time=check.clock_time(d, "send_time", "09:00"),
        postal_address=postal_address(d),
        soft_bounce_weeks=d.number("soft_bounce_weeks", int, 3, 1, 52),
        list_id=list_id(d, "list_id", site.url),
    )
    d.done()

    m = top.section("smtp")
    smtp = Smtp(
        host=m.get("host", str, "localhost"),
        port=m.number("port", int, 587, 1, 65535),
        security=m.choice("security", tuple(Security), Security.STARTTLS),
        timeout=m.number("timeout", float, 30.0, 0.1),
        rate_limit=m.number("rate_limit", float, 0.0, 0.0),
        retries=m.number("retries", int, 3, 0, 20),
        max_consecutive_failures=m.number("max_consecutive_failures", int, 10, 1),
        allow_plaintext_auth=m.get("allow_plaintext_auth", bool, False),
        dkim=read_dkim(m, root),
    )
    m.done()

    v = top.section("preview")
    preview = Preview(test_to=check.mailboxes(v, "test_to"))
    v.done()

    c = top.section("schedule")
    schedule = Schedule(publish_every_minutes=c.number("publish_every_minutes", int, 5, 1, 1440))
    c.done()
    serve = read_serve(top, root)

    before = len(problems)
    output_dir = check.path(top, "output_dir", "public", root)
    state_dir = check.path(top, "state_dir", ".feeder", root)
    if len(problems) == before and (state_dir == output_dir or output_dir in state_dir.parents):
        problems.append("state_dir: must not be inside output_dir (the state is private; the output is published)")
    if jekyll is not None:
        if "posts_dir" in raw:
            problems.append("posts_dir: not used with jekyll: posts are read from the _posts folders of "
                            f"{jekyll.root}; remove posts_dir")
            top.seen.add("posts_dir")
        who = (site.author.name, site.author.email) if site.author else None
        jekyll = replace(jekyll, site_vars=overridden(jekyll.site_vars, site.title, site.url, site.description,
                                                       site.language, site.timezone.key, who))
    config = Config(
        path=path,
        site=site,
        posts_dir=jekyll.root if jekyll else check.path(top, "posts_dir", "posts", root),
        output_dir=output_dir,
        state_dir=state_dir,
        permalink=check.permalink(top, jekyll.permalink if jekyll and "permalink" not in raw else None),
        feeds=feeds,
        digest=digest,
        smtp=smtp,
        schedule=schedule,
        jekyll=jekyll,
        preview=preview,
        serve=serve,
    )
    top.done()
    problems.extend(overwrites(config))
    if problems:
        raise ConfigError(*problems)
    return config


def _jekyll(raw: Any, root: Path) -> tuple[JekyllSite | None, Any, list[str]]:
    """The Jekyll site that ``jekyll: PATH`` names, *raw* with its settings under the file's own, and its problems.

    ``_config.yml`` supplies what ``config.yaml`` leaves out (the site's title, address,
    timezone, language, author, permalink): a key written in ``config.yaml`` wins.
    """
    if not isinstance(raw, dict) or raw.get("jekyll") is None:
        return None, raw, []
    where = raw["jekyll"]
    if not isinstance(where, str) or not where.strip():
        return None, {k: v for k, v in raw.items() if k != "jekyll"}, [
            f"jekyll: must be the folder that holds _config.yml, relative to this file (e.g. '.'), got {where!r}"]
    jekyll, defaults, problems = read_jekyll((root / Path(where).expanduser()).resolve())
    merged = dict(raw)
    site = raw.get("site") if isinstance(raw.get("site"), dict) else {}
    merged["site"] = {**defaults.get("site", {}), **(site or {})} if isinstance(site, dict) else site
    if raw.get("site") is not None and not isinstance(raw.get("site"), dict):
        merged["site"] = raw["site"]  # not a mapping: the site section says so
    return jekyll, merged, problems


def _distinct_outputs(sec: check.Section, feeds: Feeds) -> None:
    """Two outputs at one path would overwrite each other; a feed inside a generated folder could be deleted."""
    files = {k: getattr(feeds, k) for k in ("rss", "atom", "json", "stylesheet") if getattr(feeds, k)}
    folders = {k: getattr(feeds, k) for k in ("tags", "categories", "archive") if getattr(feeds, k)}
    for key, path in files.items():
        if path == ".":  # output_dir itself: the file would replace the folder
            sec.problems.append(f"{sec.key(key)}: must name a file inside output_dir, such as 'feed.xml'; got '.'")
        for other_key, other in files.items():
            if path.startswith(other + "/"):
                sec.problems.append(f"{sec.key(key)}: {path!r} is inside {sec.key(other_key)}, which is a file; "
                                    "choose another path")
    seen: dict[str, str] = {}
    for key, path in (*files.items(), *folders.items()):
        if path in seen:
            sec.problems.append(f"{sec.key(key)}: {path!r} is already used by {sec.key(seen[path])}")
        else:
            seen[path] = key
    for key, path in files.items():
        for folder_key, folder in folders.items():
            if path.startswith(folder + "/"):
                sec.problems.append(f"{sec.key(key)}: {path!r} is inside {sec.key(folder_key)}'s folder "
                                    f"{folder!r}, which feeder manages; choose another path")
    for key, path in (*files.items(), *folders.items()):
        if path == DIGESTS or path.startswith(DIGESTS + "/"):
            sec.problems.append(f"{sec.key(key)}: {path!r} is in {DIGESTS}/, where the digests' web versions go; "
                                "choose another path")
