"""The desk over HTTP: the routes, the loopback-only host check, the live-reload stream, the guarded form.

    /                          the weeks with posts or problems, with their counts
    /weeks/2025-W50            that week's desk: facts, problems, warnings, send a test, the email framed
    /weeks/2025-W50/email      the email's HTML as a subscriber gets it (?scheme=light|dark pins the scheme)
    /weeks/2025-W50.txt        its plain-text part
    /weeks/2025-W50/send-test  POST: send the week to preview.test_to (the form's token, same origin only)
    /feeds/feed.xml            each configured feed, rendered now
    /events?v=SIGNATURE        server-sent events: "change" once the files differ from SIGNATURE

Nothing in a URL is ever used as a file path, so there is nothing to traverse.
Every request whose ``Host`` is not the loopback address and port the server
listens on is refused (421), so a web page cannot reach the desk through DNS
rebinding.  The one request that does something, sending a test, is a POST
that must carry the token of a page this process served, and, when the browser
says where it comes from (``Origin``, ``Sec-Fetch-Site``), come from the desk
itself: a page of another site can neither read the token nor pass as the desk.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import TypeVar
from urllib.parse import parse_qs

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feeder.digest.weeks import canonical
from feeder.errors import PageFailed, UsageError
from feeder.preview import pages
from feeder.preview.desk import Sheet
from feeder.preview.service import Service
from feeder.preview.watch import POLL

log = logging.getLogger(__name__)
T = TypeVar("T")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream, so a dead connection is found
FORM_LIMIT = 4096  # bytes: the send-a-test form holds a token
_WEEK = re.compile(r"^(\d{4}-W\d{1,2})(\.txt)?$")
_HTML = "text/html; charset=utf-8"


def make_app(service: Service, port: Callable[[], int], stopping: Callable[[], bool] = lambda: False) -> ASGIApp:
    """The ASGI app of *service*; *port* tells the port it listens on, *stopping* whether the server is stopping
    (live-reload streams end then, so that shutting down does not wait for them)."""
    routes = Routes(service, stopping)
    app = Starlette(routes=[
        Route("/", routes.index),
        Route("/weeks/{week}", routes.week),
        Route("/weeks/{week}/email", routes.email),
        Route("/weeks/{week}/send-test", routes.send_test, methods=["POST"], max_body_size=FORM_LIMIT),
        Route("/feeds/{name:path}", routes.feed),
        Route("/events", routes.events),
    ], exception_handlers={HTTPException: routes.http_error, PageFailed: routes.failed})
    return LoopbackOnly(app, port)


class Routes:
    def __init__(self, service: Service, stopping: Callable[[], bool]) -> None:
        self.service, self.stopping = service, stopping

    async def _run(self, work: Callable[[], T]) -> T:
        """*work* on a worker thread: it waits for a forked child (or stats files), the event loop must not."""
        return await anyio.to_thread.run_sync(work)

    async def _version(self) -> str:
        return await self._run(self.service.watcher.current)

    async def index(self, request: Request) -> Response:
        version = await self._version()
        index = await self._run(lambda: self.service.index(version))
        return _page(pages.index_page(self.service.chrome(version), index))

    async def week(self, request: Request) -> Response:
        label, text = _label(request.path_params["week"])
        version = await self._version()
        sheet = await self._run(lambda: self.service.sheet(label, version))
        if text:
            _has_issue(sheet)
            return Response(sheet.text, media_type="text/plain; charset=utf-8")
        notice = self.service.notice(request.query_params.get("notice", ""))
        config = self.service.config()
        status = 200 if sheet.has_issue else 404 if sheet.empty else 500  # the page shows why, and reloads
        return _page(pages.week_page(self.service.chrome(version), sheet, token=self.service.token,
                                     test_to=config.preview.test_to, notice=notice), status)

    async def email(self, request: Request) -> Response:
        label, text = _label(request.path_params["week"])
        scheme = request.query_params.get("scheme")
        if text or scheme not in (None, "light", "dark"):
            raise HTTPException(404)
        version = await self._version()
        sheet = await self._run(lambda: self.service.sheet(label, version))
        _has_issue(sheet)
        body = sheet.html if scheme is None else pages.email_view(sheet.html, "dark" if scheme == "dark" else "light")
        return Response(body, media_type=_HTML, headers={"Content-Security-Policy": pages.EMAIL_CSP})

    async def send_test(self, request: Request) -> Response:
        label, text = _label(request.path_params["week"])
        if text:
            raise HTTPException(404)
        refusal = _cross_site(request)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = form.get("token", [""])[0]
        if refusal is None and not hmac.compare_digest(token.encode(), self.service.token.encode()):
            refusal = "the form's token is missing or not this preview's (reload the page and try again)"
        if refusal is not None:
            self.service.report(f"refused a test send of {label}: {refusal}")
            return _page(pages.message_page(self.service.chrome(""), "Refused", refusal), 403)
        notice = await self._run(lambda: self.service.send_tests(label))
        key = self.service.keep_notice(notice)
        return RedirectResponse(f"/weeks/{label}?notice={key}", status_code=303)

    async def feed(self, request: Request) -> Response:
        config = self.service.config()
        name = request.path_params["name"]
        if name not in [n for n in (config.feeds.rss, config.feeds.atom, config.feeds.json) if n]:
            raise HTTPException(404)
        body, kind = await self._run(lambda: self.service.feed(name))
        return Response(body, media_type=f"{kind}; charset=utf-8")

    async def events(self, request: Request) -> Response:
        since = request.query_params.get("v", "")

        async def stream() -> AsyncIterator[str]:
            yield f"retry: {int(POLL * 2000)}\n\n"  # a lost connection is retried soon: the server may restart
            quiet = 0.0
            while not self.stopping():
                current = await self._version()
                if current != since:
                    yield f"event: change\ndata: {current}\n\n"
                    return
                await anyio.sleep(POLL)
                quiet += POLL
                if quiet >= KEEP_ALIVE:
                    yield ": still watching\n\n"
                    quiet = 0.0

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Bad request")
        message = "Nothing here." if exc.status_code == 404 else str(exc.detail)
        return _page(pages.message_page(self.service.chrome(""), title, message), exc.status_code,
                     dict(exc.headers or {}))

    async def failed(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageFailed)
        version = await self._version()  # the page reloads itself once the editor has fixed what it shows
        return _page(pages.message_page(self.service.chrome(version), exc.title, exc.message), 500)


def _label(value: str) -> tuple[str, bool]:
    """(the week label, spelled canonically, and whether the plain text was asked for); 404 if not a week."""
    match = _WEEK.match(value)
    if match is None:
        raise HTTPException(404)
    try:
        return canonical(match[1]), bool(match[2])
    except UsageError:  # 2025-W60
        raise HTTPException(404) from None


def _has_issue(sheet: Sheet) -> None:
    """Nothing but the desk page itself exists for a week with no issue: 404 when it has no posts, else 500."""
    if sheet.empty:
        raise HTTPException(404)
    if not sheet.has_issue:
        raise PageFailed("No digest for this week", sheet.error or "")


def _cross_site(request: Request) -> str | None:
    """Why a POST does not come from a page of this desk, by what the browser says; None when it may."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"http://{request.headers.get('host', '')}":
        return f"the request comes from another site ({origin})"
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return f"the request comes from another site (Sec-Fetch-Site: {site})"
    return None


def _page(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status, {"Content-Security-Policy": pages.PAGE_CSP, **(headers or {})}, media_type=_HTML)


class LoopbackOnly:
    """Refuse requests not addressed to this server's loopback address (421); add the headers every answer gets.

    ``Referrer-Policy: same-origin``, not ``no-referrer``: under the latter a browser sends ``Origin: null`` with
    the desk's own form, which then cannot be told from a sandboxed page of another site.
    """

    def __init__(self, app: ASGIApp, port: Callable[[], int]) -> None:
        self.app, self.port = app, port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if host not in {f"{name}:{self.port()}" for name in LOOPBACK}:
            response = Response("This preview answers only on its loopback address.\n", 421,
                                media_type="text/plain; charset=utf-8")
            await response(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-content-type-options", b"nosniff"),
                                      (b"referrer-policy", b"same-origin"), (b"cache-control", b"no-store")]
            await send(message)

        await self.app(scope, receive, with_headers)
