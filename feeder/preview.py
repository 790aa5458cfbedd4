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
from feeder.errors import FeederError, UsageError
from feeder.feeds.build import build_output
from feeder.feeds.context import Kind
from feeder.feeds.plan import plan
from feeder.posts.cache import state_cache
from feeder.posts.collection import collect
from feeder.posts.render import Renderer

log = logging.getLogger(__name__)
MOBILE_WIDTH = 375
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

    def __init__(self, config: Config, clock: Callable[[], datetime],
                 report: Callable[[str], None] = log.info) -> None:
        self.config, self.clock = config, clock
        self.report = report  # an invalid post met while rendering a feed (the page shows the feed without it)
        self._lock = threading.Lock()  # one render at a time: they share the post cache

    def get(self, target: str) -> Response:
        path = urlsplit(target).path
        try:
            with self._lock:
                return self._route(path)
        except FeederError as exc:  # a template or post error: show it, the editor is about to fix it
            return _page(500, "Error", f"<p class=error>{html.escape(str(exc))}</p>")

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
        issue = build_issue(self.config, now, label)  # a template error is a 500 that shows it
        if issue is None:
            return _page(404, label, f"<p>nothing to send for {html.escape(label)}: the week has no published "
                                      "posts. <a href=\"/\">All weeks</a></p>")
        body_html, body_text, _url = issue.personalize(PLACEHOLDER_RECIPIENT)
        if view == ".txt":
            return Response(200, "text/plain; charset=utf-8", body_text.encode())
        if view == "/mobile":
            frame = (f"<p><a href=\"/\">All weeks</a> · {MOBILE_WIDTH} px wide</p><iframe src=\"/weeks/{label}\" "
                     f"title=\"{html.escape(issue.subject)}\" style=\"width:{MOBILE_WIDTH}px;height:85vh;"
                     "border:1px solid #999\"></iframe>")
            return _page(200, f"{issue.subject} (mobile)", frame)
        csp = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; frame-ancestors 'self'"
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
            items, problems = Renderer(self.config, cache).render_paths([row.path for row in output.rows])
        for problem in problems:
            self.report(str(problem))
        kind = "application/feed+json" if output.kind is Kind.JSON else "text/xml"
        return Response(200, f"{kind}; charset=utf-8", build_output(self.config, output, items))


def _page(status: int, title: str, body: str) -> Response:
    """A small HTML page around *body* (already escaped by the caller); *title* is escaped here."""
    t = html.escape(title)
    page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>"
            "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:44rem;padding:0 1rem}"
            "td,th{padding:.3rem .8rem;text-align:left}.error{color:#b00020;white-space:pre-wrap}</style></head>"
            f"<body><h1>{t}</h1>{body}</body></html>")
    return Response(status, "text/html; charset=utf-8", page.encode(), {"Content-Security-Policy": _PAGE_CSP})


def make_server(preview: Preview, port: int = 8000, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server bound to *host*:*port* (0 = any free port); call ``serve_forever()`` on it."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "feeder-preview"
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
