"""The weekly digest: which posts a week holds, and the issue made of them.

:func:`build_issue` selects the published posts of one week (half-open, on the
site's wall clock; see :mod:`feeder.digest.weeks`), renders them once into HTML and
text with a token where the unsubscribe URL goes, and keeps the HTML under
Gmail's clipping limit (see :mod:`feeder.digest.fit`).  A post whose excerpt
cannot go into an email (see :func:`feeder.digest.body.email_problem`) is left
out and reported with the week's other problems.  :meth:`Issue.personalize` then costs two string replacements per
recipient, so sending to ten thousand people never re-renders anything.  The issue's
web version and ``feeder digest``'s files are :mod:`feeder.digest.files`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urljoin

from feeder.config import Config
from feeder.digest.body import UNSUBSCRIBE_TOKEN, Bodies, email_problem
from feeder.digest.fit import fit
from feeder.digest.weeks import iso_week_bounds, resolve
from feeder.digest.wire import GMAIL_CLIP, SIZE_LIMIT, WireSize
from feeder.errors import NothingUsable, PostError
from feeder.i18n import format_date
from feeder.posts.cache import state_cache
from feeder.posts.collection import collect_between
from feeder.posts.render import RENDER_LIMIT, Rendered, Renderer

__all__ = ["GMAIL_CLIP", "PLACEHOLDER_RECIPIENT", "SIZE_LIMIT", "Issue", "WireSize", "build_issue", "compose"]

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
    excerpt_length: int  # what fitted under SIZE_LIMIT (≤ digest.excerpt_length); an offender may have less
    size: WireSize  # the HTML part as sent (encoded, for the longest unsubscribe URL) against Gmail's clip
    omitted: int = 0  # posts of the week left out (digest.max_items or the size limit)
    warnings: tuple[str, ...] = ()
    problems: tuple[PostError, ...] = field(default=(), repr=False)

    def unsubscribe_for(self, email: str) -> str:
        """The recipient's unsubscribe URL: the address URL-encoded into ``{email}``; "" if none is configured."""
        if self.unsubscribe_url is None:
            return ""
        return self.unsubscribe_url.replace("{email}", quote(email.strip(), safe=""))

    def personalize(self, email: str, unsubscribe_url: str | None = None) -> tuple[str, str, str]:
        """(html, text, unsubscribe_url) for one recipient, by substitution (no re-render).

        *unsubscribe_url* is the recipient's own link (the subscriber store's signed one-click
        URL); without it, ``digest.unsubscribe_url`` with the address filled in, if set.
        """
        url = self.unsubscribe_for(email) if unsubscribe_url is None else unsubscribe_url
        return self.html.replace(UNSUBSCRIBE_TOKEN, html.escape(url)), self.text.replace(UNSUBSCRIBE_TOKEN, url), url

    def public(self) -> tuple[str, str]:
        """(html, text) for the web, where anyone reads it: no personal unsubscribe link.

        A personal link there would let any visitor unsubscribe that person (or, for a
        placeholder, point at nobody).  With ``digest.unsubscribe_url`` the link is kept with
        ``{email}`` left empty (the site's page should ask for an address); with only the
        subscriber store's signed links (``serve.public_url``) there is no link that fits
        everyone, so it is left out.
        """
        if self.unsubscribe_url is not None:
            body_html, body_text, _url = self.personalize("")
            return body_html, body_text
        body_text = "".join(line for line in self.text.splitlines(keepends=True) if UNSUBSCRIBE_TOKEN not in line)
        return _without_link(self.html, f'href="{html.escape(UNSUBSCRIBE_TOKEN)}"'), body_text


def _without_link(body: str, href: str) -> str:
    """*body* without each ``<a …href…>…</a>`` (and the " · " that separates it from the link before)."""
    while (at := body.find(href)) >= 0:
        start, end = body.rfind("<a", 0, at), body.find("</a>", at)
        if start < 0 or end < 0:
            break
        before = body[:start].rstrip()
        body = (before[:-1].rstrip() if before.endswith("·") else body[:start]) + body[end + 4:]
    return body


def build_issue(config: Config, now: datetime, week: str | None = None,
                time_limit: float = RENDER_LIMIT) -> Issue | None:
    """The digest of *week* (default: the last complete week before *now*); None when it has no posts.

    Only posts published at *now* count: drafts and posts dated later are left out,
    so an issue built on Monday never shows a post scheduled for Tuesday.  A post
    that takes over *time_limit* seconds to render is a problem, left out.
    """
    label = resolve(week, now, config)
    start, end = iso_week_bounds(label, config)
    with state_cache(config) as cache:
        collection = collect_between(config, now, cache, start, end)
        renderer = Renderer(config, cache, time_limit=time_limit)
        rendered, failed, unread = _render_enough(renderer, [row.path for row in collection.published],
                                                  config.digest.max_items)
        problems = collection.problems + failed
    if not collection.published:
        return None
    return compose(config, label, start, end, rendered, tuple(problems), unread=unread)


def _render_enough(renderer: Renderer, paths: list[str], wanted: int
                   ) -> tuple[list[Rendered], list[PostError], int]:
    """The newest of *paths* rendered until *wanted* of them can go into an email; how many were not read.

    A busy week can hold hundreds of posts and the digest shows ``max_items``:
    the others only count, so they are neither read nor rendered (a post that
    fails is replaced by the next one, so the issue still shows *wanted*).
    """
    rendered: list[Rendered] = []
    problems: list[PostError] = []
    done = usable = 0
    while done < len(paths) and usable < wanted:
        batch = paths[done:done + wanted - usable]
        more, failed = renderer.render_paths(batch)
        rendered += more
        problems += failed
        usable += sum(email_problem(r) is None for r in more)  # each post's excerpt measured once here
        done += len(batch)
    return rendered, problems, len(paths) - done


def compose(config: Config, week: str, start: datetime, end: datetime, posts: list[Rendered],
            problems: tuple[PostError, ...] = (), unread: int = 0) -> Issue:
    """Render *posts* (newest first) as the issue of *week*, fitted under :data:`SIZE_LIMIT`.

    *unread*: older posts of the week that were not rendered, as ``digest.max_items`` leaves them out anyway.

    A post that cannot go into an email joins *problems* and is left out, as a post that cannot be read is;
    when no post is left, that is an error (:class:`NothingUsable`), never an empty issue.
    """
    d = config.digest
    refused = [problem for problem in map(email_problem, posts) if problem is not None]
    if refused:
        left_out = {problem.path for problem in refused}
        posts = [r for r in posts if r.post.path not in left_out]
        problems += tuple(refused)
    if not posts:
        raise NothingUsable(f"{week}: no post of the week can go into the digest ({len(problems)} with problems); "
                            "nothing to send", list(problems))
    shown = posts[: d.max_items]
    total = len(posts) + unread
    warnings: list[str] = []
    if total > len(shown):
        warnings.append(f"{week}: {total} posts, digest.max_items shows the newest {len(shown)}")
    web_url = urljoin(config.site.url, f"digests/{week}.html")
    bodies = Bodies(config, week=week, start=start, end=end, web_url=web_url)
    fitted = fit(config, bodies, week, shown, total, lambda count: _subject(config, week, start, end, count))
    warnings += fitted.warnings
    if fitted.length < d.excerpt_length or len(fitted.shown) < min(len(posts), d.max_items):
        warnings.append(f"{week}: would not fit Gmail's {GMAIL_CLIP // 1000} KB clip; excerpts cut to "
                        f"{fitted.length} characters, {len(fitted.shown)} of {total} posts shown; "
                        f"HTML {fitted.size}")
    if d.unsubscribe_url is None and config.serve.public_url is None:
        warnings.append("neither serve.public_url nor digest.unsubscribe_url is set: the email has no unsubscribe "
                        "link or List-Unsubscribe")
    return Issue(week=week, start=start, end=end, subject=fitted.subject, posts=fitted.shown, html=fitted.html,
                 text=fitted.text, unsubscribe_url=d.unsubscribe_url, web_url=web_url, excerpt_length=fitted.length,
                 size=fitted.size, omitted=total - len(fitted.shown), warnings=tuple(warnings), problems=problems)


def _subject(config: Config, week: str, start: datetime, end: datetime, count: int) -> str:
    lang, tz = config.site.language, config.site.timezone
    subject = config.digest.subject.format(
        site=config.site.title, week=week, count=count, start=format_date(start, lang, tz),
        end=format_date(end.astimezone(tz).date() - timedelta(days=1), lang))
    return " ".join(subject.split())  # one line: a newline in a title must never become a header break
