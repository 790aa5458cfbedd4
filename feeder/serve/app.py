"""The routes of ``feeder serve``, a Starlette app: HTTP in, a page (or a status) out.

    POST /subscribe              form fields email, name (optional), consent, page; a hidden honeypot
    GET  /confirm/<token>        a page whose button POSTs to the same address
    POST /confirm/<token>        pending → active
    GET  /unsubscribe/<token>    a page whose button POSTs to the same address
    POST /unsubscribe/<token>    RFC 8058 one-click: unsubscribed, 200, no redirect, idempotent
    GET  /healthz                "ok" while the process answers

HEAD is answered wherever GET is.  The store, the tokens and the email live in
:class:`~feeder.serve.actions.ListDesk`, whose calls block (SQLite, SMTP): they run
in worker threads, so the event loop keeps answering while a commit or an email
is on its way.  Subscriptions (which may wait on the SMTP server) have a few
threads of their own, so a slow mail server never holds up an unsubscribe; the
one-click POSTs, the one route that must take bursts, are written in groups by
one thread (:mod:`feeder.serve.writer`).

The one-click POST (RFC 8058) comes from a mailbox provider's server, with a body
``List-Unsubscribe=One-Click``, form-urlencoded or multipart, no cookie, and
follows no redirect: it is answered ``200`` at once.  The token alone decides;
the body only says, in the subscriber's history, that it was a one-click.

A request body is read up to :data:`MAX_BODY` bytes (a form is a few hundred),
so nobody can make the server buffer megabytes.  Every page is sent with a
Content-Security-Policy that allows no script, ``Referrer-Policy: no-referrer``
(the token in the URL stays out of other sites' logs) and ``Cache-Control: no-store``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import anyio
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from feeder.errors import FeederError
from feeder.serve.actions import Answer, ListDesk, Reader
from feeder.serve.limits import Network, RateLimit, client_ip, limit_key
from feeder.serve.pages import Pages
from feeder.serve.writer import Unsubscribes

log = logging.getLogger(__name__)
MAX_BODY = 16 * 1024  # bytes of a request body read at most
MAX_FIELDS = 20
MAX_VALUE = 2000  # characters of one form value kept
HONEYPOT = "website"  # a field people never see; a bot that fills every field fills it
SUBSCRIBE_THREADS = 4  # subscriptions handled at once (each may wait on the SMTP server)
_PAGES = {"subscribed": "subscribed.html", "confirm": "confirm.html", "confirmed": "confirmed.html",
          "unsubscribe": "unsubscribe.html", "unsubscribed": "unsubscribed.html"}


class _TooLarge(Exception):
    """A request body over MAX_BODY: answered 413 (never leaves this module)."""


class App:
    """The routes over one :class:`ListDesk`; :attr:`asgi` is what the server runs."""

    def __init__(self, desk: ListDesk, pages: Pages, clock: Callable[[], datetime], *, limit: RateLimit,
                 trusted_proxies: tuple[Network, ...] = (), thanks_url: str | None = None) -> None:
        self.desk, self.pages, self.clock, self.limit = desk, pages, clock, limit
        self.unsubscribes = Unsubscribes(desk.store)
        self.trusted_proxies, self.thanks_url = trusted_proxies, thanks_url
        self._subscribing = anyio.CapacityLimiter(SUBSCRIBE_THREADS)
        targets = " ".join(sorted({_origin(pages.public_url)} | ({_origin(thanks_url)} if thanks_url else set())))
        self.headers = {
            # form-action: the page's own address, the resubscribe form's, and where /subscribe may redirect
            "Content-Security-Policy": f"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                       f"form-action 'self' {targets}; frame-ancestors 'none'; base-uri 'none'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
        }
        routes = [Route("/subscribe", self.subscribe, methods=["POST"]),
                  Route("/confirm/{token}", self.confirm, methods=["GET", "POST"]),
                  Route("/unsubscribe/{token}", self.unsubscribe, methods=["GET", "POST"]),
                  Route("/healthz", self.healthz, methods=["GET"])]
        self.asgi = Starlette(routes=routes, exception_handlers={HTTPException: self.http_error,
                                                                 FeederError: self.failed})

    async def subscribe(self, request: Request) -> Response:
        now = self.clock()
        ip = client_ip(request.client.host if request.client else None, request.headers.get("x-forwarded-for"),
                       self.trusted_proxies)
        wait = self.limit.allow(limit_key(ip), now.timestamp())
        if wait:
            log.info("subscribe: rate limit reached for a client (%d s to wait)", wait)
            return self._problem("busy", headers={"Retry-After": str(int(wait) + 1)})
        form = await _form(request)
        address = form.get("email", "").strip()
        if form.get(HONEYPOT):  # a bot: it gets the page a person would, and nothing happens
            log.info("subscribe: honeypot field filled; nothing done")
            return self._answer(Answer("subscribed", address))
        reader = Reader(ip=ip, user_agent=request.headers.get("user-agent", ""),
                        page=form.get("page") or request.headers.get("referer", ""))
        answer = await anyio.to_thread.run_sync(self.desk.subscribe, address, form.get("name", ""),
                                                form.get("consent", ""), reader, now, limiter=self._subscribing)
        return self._answer(answer)

    async def confirm(self, request: Request) -> Response:
        now, token = self.clock(), request.path_params["token"]
        if request.method == "POST":
            await _form(request)  # read (and bound) the body; the token alone decides
            return self._answer(await anyio.to_thread.run_sync(self.desk.confirm, token, now))
        return self._answer(await anyio.to_thread.run_sync(self.desk.show_confirm, token, now))

    async def unsubscribe(self, request: Request) -> Response:
        now, token = self.clock(), request.path_params["token"]
        if request.method == "POST":
            form = await _form(request)
            how = ("web page" if form.get("via") == "page"  # the button of GET /unsubscribe/TOKEN
                   else "one-click" if form.get("List-Unsubscribe") == "One-Click" else "POST")
            subscriber_id = self.desk.unsubscribe_id(token)  # a signature check: no I/O, no thread
            if isinstance(subscriber_id, Answer):
                return self._answer(subscriber_id)
            subscriber = await self.unsubscribes.unsubscribe(subscriber_id, now, how)
            if subscriber is None:
                return self._answer(Answer("gone"))
            log.info("unsubscribe: subscriber %d is unsubscribed (%s)", subscriber_id, how)
            return self._answer(Answer("unsubscribed", subscriber.address))
        return self._answer(await anyio.to_thread.run_sync(self.desk.show_unsubscribe, token))

    def close(self) -> None:
        """After the server stopped: finish the unsubscribes still queued."""
        self.unsubscribes.close()

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok\n", headers=self.headers)

    def _answer(self, answer: Answer) -> Response:
        if answer.kind in _PAGES:
            if answer.kind == "subscribed" and self.thanks_url:
                return RedirectResponse(self.thanks_url, status_code=303, headers=self.headers)
            html = self.pages.render(_PAGES[answer.kind], address=answer.address)
            return Response(html, 200, self.headers, media_type="text/html; charset=utf-8")
        return self._problem(answer.kind, address=answer.address)

    def _problem(self, problem: str, *, address: str = "", headers: dict[str, str] | None = None) -> Response:
        status, html = self.pages.problem(problem, address=address)
        return Response(html, status, {**self.headers, **(headers or {})}, media_type="text/html; charset=utf-8")

    async def http_error(self, request: Request, exc: Exception) -> Response:
        """404, 405, 413 and the like: a page in the site's language, with the usual headers."""
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return self._problem("not_found")
        return PlainTextResponse(f"{exc.status_code} {exc.detail}\n", exc.status_code,
                                 {**self.headers, **(exc.headers or {})})

    async def failed(self, request: Request, exc: Exception) -> Response:
        """The store could not be written (busy for too long, disk full): logged, and the reader told to retry."""
        self.desk.report(f"{request.method} /{request.url.path.split('/')[1]}: {exc}; answered 503")
        return self._problem("unavailable", headers={"Retry-After": "60"})


async def _form(request: Request) -> dict[str, str]:
    """The form's fields (first value of each, text only); an unreadable body is an empty form.

    Raises HTTPException(413) when the body is larger than :data:`MAX_BODY`.
    """
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    try:
        if kind == "multipart/form-data":
            parsed: FormData | list[tuple[str, str]] = await MultiPartParser(
                request.headers, _bounded(request), max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_BODY).parse()
        else:  # form-urlencoded, or a client that named no type: read it the same way
            body = b"".join([chunk async for chunk in _bounded(request)])
            parsed = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except _TooLarge:
        raise HTTPException(413, "request body too large") from None
    except (MultiPartException, ValueError) as exc:  # malformed multipart, too many fields
        log.info("%s: unreadable form (%s); read as empty", request.url.path.split("/")[1], exc)
        return {}
    fields: dict[str, str] = {}
    for name, value in parsed.multi_items() if isinstance(parsed, FormData) else parsed:
        if isinstance(value, str) and name not in fields:
            fields[name] = value[:MAX_VALUE]
    return fields


async def _bounded(request: Request) -> AsyncGenerator[bytes, None]:
    """The request body in chunks, stopped with _TooLarge past MAX_BODY bytes."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > MAX_BODY:
            raise _TooLarge
        yield chunk


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
