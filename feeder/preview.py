"""``feeder preview``: a local web server where editors see the digest as it will be sent.

Every request reads the posts and the templates again (the post cache makes an
unchanged site cheap), so an editor who fixes a typo and reloads sees it at
once.  The server answers only the fixed routes below; nothing in a URL is ever
used as a file path, so there is nothing to traverse, and every value shown in
the index is escaped.  It binds 127.0.0.1 and refuses requests whose ``Host``
is not the loopback address it listens on (DNS rebinding).

    /                          the weeks that have posts, with their counts
    /weeks/2025-W50            that week's digest HTML, as sent (to a placeholder recipient)
    /weeks/2025-W50.txt        its plain-text part
    /weeks/2025-W50/mobile     the HTML in a 375 px frame, as a phone shows it
    /feeds/feed.xml            each configured feed, rendered now

Each request is answered from a forked child process (:func:`feeder.pool.run_forked`):
a post that would crash a native library, or take minutes to render, costs that
child, never the server.  In the child the render time limit applies (its one
thread is a main thread, where ``SIGALRM`` works), so a slow post is reported and
left out like in ``feeder publish``; a whole request gets :data:`REQUEST_LIMIT`.
A few requests render at a time, so the index never waits behind a slow week.
A connection that sends nothing for :data:`IDLE_TIMEOUT` seconds is closed.
A week with posts left out shows them in a box above the digest.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from feeder.config import Config
from feeder.digest.files import weeks_with_posts
from feeder.digest.issue import PLACEHOLDER_RECIPIENT, build_issue
from feeder.digest.weeks import last_complete_week, parse_label, week_of
from feeder.errors import ChildFailed, FeederError, PostError, UsageError
from feeder.feeds.build import build_output
from feeder.feeds.context import Kind
from feeder.feeds.plan import plan
from feeder.pool import run_forked
from feeder.posts.cache import state_cache
from feeder.posts.collection import collect
from feeder.posts.render import RENDER_LIMIT, Renderer

log = logging.getLogger(__name__)
MOBILE_WIDTH = 375
REQUEST_LIMIT = 60.0  # seconds one request may take to render, all its posts together
RENDERS = 2  # requests rendered at a time (each in its own process)
IDLE_TIMEOUT = 10.0  # seconds a connection may stay silent (before its request, or while a response is sent)
_BODY = re.compile(r"<body\b[^<>]*>", re.IGNORECASE)  # [^<>]: from each "<body" the scan stops at the next tag
_WEEK = re.compile(r"^/weeks/(\d{4}-W\d{2})(\.txt|/mobile)?$")
_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; frame-src 'self'"


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Preview:
    """The routes as a plain object: :meth:`get` maps a path to a :class:`Response`."""

    def __init__(self, config: Config, clock: Callable[[], datetime], report: Callable[[str], None] = log.info,
                 *, time_limit: float = RENDER_LIMIT, request_limit: float = REQUEST_LIMIT) -> None:
        self.config, self.clock = config, clock
        self.report = report  # a post left out of a page (the page shows the rest), a request that failed
        self.time_limit, self.request_limit = time_limit, request_limit  # per post, per request (seconds)
        self._renders = threading.BoundedSemaphore(RENDERS)  # a burst of requests forks a few children, not all
        self._said: list[str] = []  # in the child: what to report, handed back with the response

    def get(self, target: str) -> Response:
        """The response to a GET of *target*, rendered in a child process (see the module docstring)."""
        path = urlsplit(target).path
        with self._renders:
            try:
                response, said = run_forked(lambda: self._answer(path), self.request_limit)
            except ChildFailed as exc:
                self.report(f"GET {path}: rendering {exc}")
                return _page(500, "Rendering failed", f"<p class=error>Rendering this page {html.escape(str(exc))}. "
                             "A post of this week may be malformed: the terminal running feeder preview "
                             "says more.</p>")
        for line in said:
            self.report(line)
        return response

    def _answer(self, path: str) -> tuple[Response, list[str]]:
        """The response and what to report (in the child): errors a user can fix are shown on the page."""
        try:
            return self._route(path), self._said
        except FeederError as exc:  # a template or post error: show it, the editor is about to fix it
            problems = "".join(f"\n{problem}" for problem in getattr(exc, "problems", ()))
            return _page(500, "Error", f"<p class=error>{html.escape(str(exc) + problems)}</p>"), self._said

    def _route(self, path: str) -> Response:
        now = self.clock()
        if path == "/":
            return self._index(now)
        week = _WEEK.match(path)
        if week:
            return self._week(week[1], week[2] or "", now)
        if path.startswith("/feeds/") and path[len("/feeds/"):] in self._feeds():
            return self._feed(path[len("/feeds/"):], now)
        return _page(404, "Not found", "<p>Nothing here. <a href=\"/\">All weeks</a></p>")

    def _index(self, now: datetime) -> Response:
        due = last_complete_week(now, self.config)
        current = week_of(now, self.config)
        rows = []
        for label, count in weeks_with_posts(self.config, now):
            note = " (next to send)" if label == due else " (in progress)" if label == current else ""
            e = html.escape(label)
            rows.append(f"<tr><td><a href=\"/weeks/{e}\">{e}</a>{note}</td><td>{count}</td>"
                        f"<td><a href=\"/weeks/{e}.txt\">text</a> · <a href=\"/weeks/{e}/mobile\">mobile</a></td></tr>")
        feeds = " · ".join(f"<a href=\"/feeds/{html.escape(n)}\">{html.escape(n)}</a>" for n in self._feeds())
        body = (f"<p>Now: {html.escape(now.astimezone(self.config.site.timezone).isoformat(timespec='minutes'))}"
                f" · feeds: {feeds or 'none configured'}</p>"
                "<table><thead><tr><th>week</th><th>posts</th><th>views</th></tr></thead><tbody>"
                + ("".join(rows) or "<tr><td colspan=3>No published posts yet.</td></tr>") + "</tbody></table>")
        return _page(200, f"{self.config.site.title}: digest preview", body)

    def _week(self, label: str, view: str, now: datetime) -> Response:
        try:
            parse_label(label)
        except UsageError as exc:  # e.g. 2025-W60: not a week
            return _page(404, "Not a week", f"<p>{html.escape(str(exc))}</p>")
        issue = build_issue(self.config, now, label, self.time_limit)  # a template error is a 500 that shows it
        if issue is None:
            return _page(404, label, f"<p>nothing to send for {html.escape(label)}: the week has no published "
                                      "posts. <a href=\"/\">All weeks</a></p>")
        body_html, body_text, _url = issue.personalize(PLACEHOLDER_RECIPIENT)
        self._said += map(str, issue.problems)
        if view == ".txt":
            return Response(200, "text/plain; charset=utf-8", body_text.encode())
        if view == "/mobile":
            frame = (f"<p><a href=\"/\">All weeks</a> · {MOBILE_WIDTH} px wide</p><iframe src=\"/weeks/{label}\" "
                     f"title=\"{html.escape(issue.subject)}\" style=\"width:{MOBILE_WIDTH}px;height:85vh;"
                     "border:1px solid #999\"></iframe>")
            return _page(200, f"{issue.subject} (mobile)", frame)
        csp = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; frame-ancestors 'self'"
        body_html = _with_problems(body_html, issue.problems)
        return Response(200, "text/html; charset=utf-8", body_html.encode(), {"Content-Security-Policy": csp})

    def _feeds(self) -> list[str]:
        """The subscription feeds' paths, as publish writes them."""
        f = self.config.feeds
        return [name for name in (f.rss, f.atom, f.json) if name]

    def _feed(self, name: str, now: datetime) -> Response:
        """The feed *name* exactly as ``feeder publish`` would write it at *now* (nothing is written)."""
        with state_cache(self.config) as cache:
            collection = collect(self.config, now, cache)
            output = next(o for o in plan(self.config, collection.published) if o.path == name)
            renderer = Renderer(self.config, cache, time_limit=self.time_limit)
            items, problems = renderer.render_paths([row.path for row in output.rows])
        self._said += map(str, problems)
        kind = "application/feed+json" if output.kind is Kind.JSON else "text/xml"
        return Response(200, f"{kind}; charset=utf-8", build_output(self.config, output, items))


def _with_problems(page: str, problems: tuple[PostError, ...]) -> str:
    """*page* (the digest) with a box listing the posts left out of it, for the editor only (never sent)."""
    if not problems:
        return page
    items = "".join(f"<li>{html.escape(str(problem))}</li>" for problem in problems)
    box = ("<div role=\"alert\" style=\"margin:0;padding:12px 16px;background:#fff4e5;color:#5c2c00;"
           "border-bottom:2px solid #b00020;font:14px/1.5 system-ui,sans-serif\"><strong>Preview only: "
           f"{len(problems)} post(s) left out of this digest</strong><ul style=\"margin:4px 0 0\">{items}</ul></div>")
    body = _BODY.search(page)
    return page[: body.end()] + box + page[body.end():] if body else box + page


def _page(status: int, title: str, body: str) -> Response:
    """A small HTML page around *body* (already escaped by the caller); *title* is escaped here."""
    t = html.escape(title)
    page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>"
            "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:44rem;padding:0 1rem}"
            "td,th{padding:.3rem .8rem;text-align:left}.error{color:#b00020;white-space:pre-wrap}</style></head>"
            f"<body><h1>{t}</h1>{body}</body></html>")
    return Response(status, "text/html; charset=utf-8", page.encode(), {"Content-Security-Policy": _PAGE_CSP})


def make_server(preview: Preview, port: int = 8000, host: str = "127.0.0.1",
                idle_timeout: float = IDLE_TIMEOUT) -> ThreadingHTTPServer:
    """A server bound to *host*:*port* (0 = any free port); call ``serve_forever()`` on it.

    A connection silent for *idle_timeout* seconds (no request yet, or not reading the response) is closed.
    """

    class Handler(BaseHTTPRequestHandler):
        server_version = "feeder-preview"
        timeout = idle_timeout  # applied to each connection's socket by StreamRequestHandler.setup
        server: ThreadingHTTPServer  # the one made below; the base class types it as any socketserver

        def do_GET(self) -> None:  # named by the http.server API
            allowed = {f"{h}:{self.server.server_address[1]}" for h in ("127.0.0.1", "localhost", "[::1]")}
            if self.headers.get("Host", "") not in allowed:
                response = _page(421, "Wrong host", "<p>This preview answers only on its loopback address.</p>")
            else:
                response = preview.get(self.path)
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:  # the http.server API's signature
            log.info("%s %s", self.address_string(), format % args)

    return ThreadingHTTPServer((host, port), Handler)
