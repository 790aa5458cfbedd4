"""What the editor's desk shows: the weeks, and one week's issue with everything wrong with it.

Pure data, made from the config and the clock, handed to :mod:`feeder.preview.pages`
to be drawn.  The server makes each of these in a forked child (a hostile post
costs the child), so they are plain picklable values.

Every problem with a post belongs to a week, so that the editor finds it where
the post would have been: the week of the post's date when the file could be
read, else the week its Jekyll file name (``2025-12-11-title.md``) says.  A
file whose week cannot be told is listed on the index and on every week page:
it might belong to any.  A post is never left out silently: the index counts
each week's problems beside its posts, and the week page names each one with
its ``path:line`` and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from feeder.config import Config
from feeder.digest.issue import PLACEHOLDER_RECIPIENT, Issue, build_issue
from feeder.digest.weeks import iso_week_bounds, last_complete_week, week_of
from feeder.errors import ConfigError, FeederError, PostError
from feeder.feeds.build import build_output
from feeder.feeds.context import Kind
from feeder.feeds.plan import plan
from feeder.i18n import format_date
from feeder.posts.cache import state_cache
from feeder.posts.collection import Collection, collect
from feeder.posts.render import Renderer
from feeder.posts.row import Row
from feeder.preview import facts

_FILE_DATE = re.compile(r"(?:^|/)(\d{4})-(\d{2})-(\d{2})-[^/]*$")


@dataclass(frozen=True)
class Problem:
    """A post that is left out (or a file that is not a post), where to look and why."""

    where: str  # path:line, the path as the editor finds it from the config's folder
    message: str
    week: str | None  # None: its week cannot be told


@dataclass(frozen=True)
class Week:
    """A row of the index."""

    label: str
    posts: int
    problems: int
    note: str  # "next to send", "in progress" or ""


@dataclass(frozen=True)
class Index:
    now: str  # the clock, on the site's wall clock
    weeks: tuple[Week, ...]  # newest first: every week with a published post or a problem
    undated: tuple[Problem, ...]  # problems whose week cannot be told
    feeds: tuple[str, ...]  # the subscription feeds' paths

    def neighbours(self, label: str) -> tuple[str | None, str | None]:
        """(the older week, the newer week) next to *label* among those listed, whether or not it is."""
        older = [w.label for w in self.weeks if w.label < label]
        newer = [w.label for w in self.weeks if w.label > label]
        return (older[0] if older else None), (newer[-1] if newer else None)


@dataclass(frozen=True)
class Sheet:
    """One week on the desk: the issue as sent, its facts, and everything wrong with it."""

    label: str
    span: str  # the first and last day, as the digest writes dates
    note: str
    older: str | None  # the neighbouring listed weeks, for navigation
    newer: str | None
    problems: tuple[Problem, ...]  # this week's and the undated ones
    warnings: tuple[str, ...] = ()
    error: str | None = None  # why there is no issue to show (a template error, no usable post, no post)
    empty: bool = False  # no issue because the week has no published post (not because something failed)
    subject: str = ""
    sender: str = ""
    preheader: str = ""
    posts: int = 0  # posts shown
    omitted: int = 0  # posts of the week left out (max_items, the size limit)
    size: int = 0  # bytes of the HTML part as sent (transfer-encoded)
    decoded: int = 0  # bytes of the HTML itself
    html: str = ""  # the email's HTML as a subscriber gets it (the placeholder subscriber)
    text: str = ""

    @property
    def has_issue(self) -> bool:
        return bool(self.html)


def index(config: Config, now: datetime) -> Index:
    """The weeks with published posts or problems at *now*, newest first, with their counts."""
    return _index(config, now, *_collect(config, now))


def _index(config: Config, now: datetime, collection: Collection, rows: dict[str, Row]) -> Index:
    posts: dict[str, int] = {}
    for row in collection.published:
        label = week_of(datetime.fromtimestamp(row.timestamp, config.site.timezone), config)
        posts[label] = posts.get(label, 0) + 1
    problems = [_problem(config, p, rows) for p in collection.problems]
    counts: dict[str, int] = {}
    for problem in problems:
        if problem.week is not None:
            counts[problem.week] = counts.get(problem.week, 0) + 1
    weeks = tuple(Week(label, posts.get(label, 0), counts.get(label, 0), _note(config, now, label))
                  for label in sorted(posts.keys() | counts.keys(), reverse=True))
    shown = now.astimezone(config.site.timezone).isoformat(timespec="minutes")
    f = config.feeds
    return Index(shown, weeks, tuple(p for p in problems if p.week is None),
                 tuple(name for name in (f.rss, f.atom, f.json) if name))


def sheet(config: Config, now: datetime, label: str, time_limit: float) -> Sheet:
    """Week *label* (already canonical) as the desk shows it; a template error is part of it, not raised."""
    start, end = iso_week_bounds(label, config)
    lang, tz = config.site.language, config.site.timezone
    span = f"{format_date(start, lang, tz)} \u2013 {format_date(end.astimezone(tz).date() - timedelta(days=1), lang)}"
    collection, rows = _collect(config, now)
    older, newer = _index(config, now, collection, rows).neighbours(label)
    head = Sheet(label, span, _note(config, now, label), older, newer, problems=())
    try:
        issue = build_issue(config, now, label, time_limit)
    except FeederError as exc:  # a template error, or no post of the week usable: the editor is about to fix it
        found = list(getattr(exc, "problems", ()))
        posts = [p for p in found if isinstance(p, PostError)]
        lines = list(exc.problems) if isinstance(exc, ConfigError) else [str(exc)]  # one line per mistake
        return replace(head, problems=_of_week(config, label, [*collection.problems, *posts], rows),
                       error="\n".join(lines))
    if issue is None:
        return replace(head, problems=_of_week(config, label, collection.problems, rows), empty=True,
                       error=f"nothing to send for {label}: the week has no published posts")
    return _issue_sheet(config, head, issue, _of_week(config, label, issue.problems, rows))


def _issue_sheet(config: Config, head: Sheet, issue: Issue, problems: tuple[Problem, ...]) -> Sheet:
    body_html, body_text, _url = issue.personalize(PLACEHOLDER_RECIPIENT)
    (size, decoded), warnings = facts.sent_size(issue), list(issue.warnings)  # over the clip: the fitter warns
    if not config.digest.sender:
        warnings.append("digest.from is not set: feeder send refuses to send without a sender")
    return replace(head, problems=problems, warnings=tuple(warnings), subject=issue.subject,
                   sender=config.digest.sender or "", preheader=facts.preheader(body_html), posts=len(issue.posts),
                   omitted=issue.omitted, size=size, decoded=decoded, html=body_html, text=body_text)


def feed(config: Config, now: datetime, name: str, time_limit: float) -> tuple[bytes, str, list[PostError]]:
    """(bytes, media type, posts left out) of the feed at *name*, exactly as ``feeder publish`` writes it at *now*."""
    with state_cache(config) as cache:
        collection = collect(config, now, cache)
        output = next(o for o in plan(config, collection.published) if o.path == name)
        renderer = Renderer(config, cache, time_limit=time_limit)
        items, problems = renderer.render_paths([row.path for row in output.rows])
    kind = "application/feed+json" if output.kind is Kind.JSON else "text/xml"
    return build_output(config, output, items), kind, problems


def _collect(config: Config, now: datetime) -> tuple[Collection, dict[str, Row]]:
    with state_cache(config) as cache:
        collection = collect(config, now, cache)
        rows = {row.path: row for row in cache.rows()}
    return collection, rows


def _note(config: Config, now: datetime, label: str) -> str:
    if label == last_complete_week(now, config):
        return "next to send"
    return "in progress" if label == week_of(now, config) else ""


def _of_week(config: Config, label: str, problems: Iterable[PostError], rows: dict[str, Row]) -> tuple[Problem, ...]:
    """The problems of week *label* and those of no known week, each once, in path order."""
    seen: dict[str, Problem] = {}
    for problem in problems:
        shown = _problem(config, problem, rows)
        if shown.week in (label, None):
            seen.setdefault(f"{shown.where}\0{shown.message}", shown)
    return tuple(sorted(seen.values(), key=lambda p: (p.week is None, p.where)))


def _problem(config: Config, problem: PostError, rows: dict[str, Row]) -> Problem:
    path = _relative(config.posts_dir / problem.path, config.path.parent)
    where = f"{path}:{problem.line}" if problem.line else path
    return Problem(where, problem.message, _week_of_file(config, problem.path, rows.get(problem.path)))


def _week_of_file(config: Config, path: str, row: Row | None) -> str | None:
    """The week of the post's own date when its file could be read, else of the date in its name."""
    tz = config.site.timezone
    if row is not None and row.error is None:
        return week_of(datetime.fromtimestamp(row.timestamp, tz), config)
    named = _FILE_DATE.search(path)
    if named is None:
        return None
    try:
        day = date(int(named[1]), int(named[2]), int(named[3]))
    except ValueError:  # 2025-13-45-…: not a date
        return None
    return week_of(datetime.combine(day, time(12), tz), config)


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder.resolve()))
    except ValueError:
        return str(path)
