"""The weekly digest: which posts a week holds, and the issue made of them.

:func:`build_issue` selects the published posts of one week (half-open, on the
site's wall clock; see :mod:`feeder.digest.weeks`), renders them once into HTML and
text with a token where the unsubscribe URL goes, and keeps the HTML under
Gmail's clipping limit by shortening excerpts and then dropping the oldest
items.  :meth:`Issue.personalize` then costs two string replacements per
recipient, so sending to ten thousand people never re-renders anything.  The issue's
web version and ``feeder digest``'s files are :mod:`feeder.digest.files`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urljoin

from feeder.config import Config
from feeder.digest.body import UNSUBSCRIBE_TOKEN, render
from feeder.digest.weeks import iso_week_bounds, resolve
from feeder.errors import PostError
from feeder.i18n import format_date
from feeder.posts.cache import state_cache
from feeder.posts.collection import collect_between
from feeder.posts.render import Rendered, Renderer

__all__ = ["PLACEHOLDER_RECIPIENT", "SIZE_LIMIT", "Issue", "build_issue", "compose"]

SIZE_LIMIT = 102 * 1000  # bytes of HTML; Gmail clips a message body above ~102 KB behind "View entire message"
MIN_EXCERPT = 60  # characters; below this an excerpt says nothing, so items go instead
MAX_ADDRESS = 254  # the longest email address (RFC 5321), for the size headroom of the unsubscribe URL
PLACEHOLDER_RECIPIENT = "subscriber@example.com"  # whom the .eml written by `feeder digest` is addressed to


@dataclass(frozen=True)
class Issue:
    """One week's digest, rendered once; :meth:`personalize` makes each recipient's copy."""

    week: str  # "2025-W50"
    start: datetime  # aware, site timezone; the week is [start, end)
    end: datetime
    subject: str
    posts: list[Rendered]  # what the issue shows, newest first
    html: str  # with UNSUBSCRIBE_TOKEN where the unsubscribe URL goes
    text: str
    unsubscribe_url: str | None  # the config template with {email}
    web_url: str  # the web version: <site>/digests/<week>.html, written by `feeder send` and `feeder digest`
    excerpt_length: int  # what fitted under SIZE_LIMIT (≤ digest.excerpt_length)
    omitted: int = 0  # posts of the week left out (digest.max_items or the size limit)
    warnings: tuple[str, ...] = ()
    problems: tuple[PostError, ...] = field(default=(), repr=False)

    def unsubscribe_for(self, email: str) -> str:
        """The recipient's unsubscribe URL: the address URL-encoded into ``{email}``; "" if none is configured."""
        if self.unsubscribe_url is None:
            return ""
        return self.unsubscribe_url.replace("{email}", quote(email.strip(), safe=""))

    def personalize(self, email: str) -> tuple[str, str, str]:
        """(html, text, unsubscribe_url) for one recipient, by substitution (no re-render)."""
        url = self.unsubscribe_for(email)
        return self.html.replace(UNSUBSCRIBE_TOKEN, html.escape(url)), self.text.replace(UNSUBSCRIBE_TOKEN, url), url

    def public(self) -> tuple[str, str]:
        """(html, text) for the web, where anyone reads it: the unsubscribe link with ``{email}`` left empty.

        A personal link there would let any visitor unsubscribe that person (or, for a
        placeholder, point at nobody); the site's unsubscribe page gets no address and
        should ask for one.
        """
        body_html, body_text, _url = self.personalize("")
        return body_html, body_text


def build_issue(config: Config, now: datetime, week: str | None = None) -> Issue | None:
    """The digest of *week* (default: the last complete week before *now*); None when it has no posts.

    Only posts published at *now* count: drafts and posts dated later are left out,
    so an issue built on Monday never shows a post scheduled for Tuesday.
    """
    label = resolve(week, now, config)
    start, end = iso_week_bounds(label, config)
    with state_cache(config) as cache:
        collection = collect_between(config, now, cache, start, end)
        rendered, failed = Renderer(config, cache).render_paths([row.path for row in collection.published])
        problems = collection.problems + failed
    if not rendered:
        return None
    return compose(config, label, start, end, rendered, tuple(problems))


def compose(config: Config, week: str, start: datetime, end: datetime, posts: list[Rendered],
            problems: tuple[PostError, ...] = ()) -> Issue:
    """Render *posts* (newest first) as the issue of *week*, fitted under :data:`SIZE_LIMIT`."""
    d = config.digest
    shown = posts[: d.max_items]
    length = d.excerpt_length
    warnings: list[str] = []
    if len(posts) > len(shown):
        warnings.append(f"{week}: {len(posts)} posts, digest.max_items shows the newest {len(shown)}")
    subject = _subject(config, week, start, end, len(shown))
    web_url = urljoin(config.site.url, f"digests/{week}.html")
    while True:
        body_html, body_text = render(config, week=week, start=start, end=end, subject=subject, posts=shown,
                                      excerpt_length=length, web_url=web_url, omitted=len(posts) - len(shown))
        size = len(body_html.encode()) + _headroom(config, body_html)
        if size <= SIZE_LIMIT:
            break
        if length > MIN_EXCERPT:  # excerpts dominate a big issue: shrink them in proportion, at least by a third
            length = max(MIN_EXCERPT, min(length * 2 // 3, length * SIZE_LIMIT // size))
        elif len(shown) > 1:  # items cost about the same each: drop the oldest in proportion to the excess
            shown = shown[: max(1, min(len(shown) - 1, len(shown) * SIZE_LIMIT // size))]
            subject = _subject(config, week, start, end, len(shown))
        else:
            warnings.append(f"{week}: the HTML is {size} bytes even with one post; Gmail clips above {SIZE_LIMIT}")
            break
    if length < d.excerpt_length or len(shown) < min(len(posts), d.max_items):
        warnings.append(f"{week}: would not fit Gmail's {SIZE_LIMIT // 1000} KB limit; excerpts cut to {length} "
                        f"characters, {len(shown)} of {len(posts)} posts shown ({size} bytes)")
    if d.unsubscribe_url is None:
        warnings.append("digest.unsubscribe_url is not set: the email has no unsubscribe link or List-Unsubscribe")
    return Issue(week=week, start=start, end=end, subject=subject, posts=list(shown), html=body_html,
                 text=body_text, unsubscribe_url=d.unsubscribe_url, web_url=web_url, excerpt_length=length,
                 omitted=len(posts) - len(shown), warnings=tuple(warnings), problems=problems)


def _subject(config: Config, week: str, start: datetime, end: datetime, count: int) -> str:
    lang, tz = config.site.language, config.site.timezone
    subject = config.digest.subject.format(
        site=config.site.title, week=week, count=count, start=format_date(start, lang, tz),
        end=format_date(end.astimezone(tz).date() - timedelta(days=1), lang))
    return " ".join(subject.split())  # one line: a newline in a title must never become a header break


def _headroom(config: Config, body: str) -> int:
    """Bytes the longest possible recipient's unsubscribe URLs may add to *body*."""
    if config.digest.unsubscribe_url is None:
        return 0
    longest = len(html.escape(config.digest.unsubscribe_url)) + 3 * MAX_ADDRESS
    return body.count(UNSUBSCRIBE_TOKEN) * max(0, longest - len(UNSUBSCRIBE_TOKEN))
