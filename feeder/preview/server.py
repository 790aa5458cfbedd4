"""The desk's one server process: uvicorn on a socket bound to 127.0.0.1.

The socket is bound here, before uvicorn starts, so that a port of 0 (any free
one) is known at once and can be printed and checked in every request's
``Host``.  One process, one event loop: pages are made in forked children
(:mod:`feeder.preview.service`), never by more server workers.  Ctrl-C or
SIGTERM stops it; open live-reload streams are closed within a second.

uvicorn closes a kept-alive connection that stays silent between two requests,
but waits for ever for the first one; :class:`_Http` starts that clock when the
connection opens, so connections that never ask anything are closed after
:data:`IDLE_TIMEOUT` seconds too, and cannot pile up to :data:`MAX_CONNECTIONS`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from feeder.errors import UsageError
from feeder.preview.app import make_app
from feeder.preview.service import Service

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
IDLE_TIMEOUT = 10  # seconds a connection may stay silent before its first request and between two
MAX_CONNECTIONS = 200  # connections and requests at once; more are answered 503 (a tab holds one for live reload)


class _Http(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with the idle timeout running from the moment a connection opens."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]  # uvicorn narrows it to a Transport
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)


def bind(port: int, host: str = HOST) -> socket.socket:
    """A listening TCP socket on *host*:*port* (0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}); choose another port, "
                         "or 0 for any free one") from None
    sock.listen(128)
    return sock


def make_server(service: Service, sock: socket.socket, idle_timeout: int = IDLE_TIMEOUT) -> uvicorn.Server:
    """A uvicorn server of *service* for *sock*: ``run(sockets=[sock])`` it; ``should_exit = True`` stops it."""
    port = sock.getsockname()[1]
    app = make_app(service, lambda: port, lambda: server.should_exit)  # the server, made below
    config = uvicorn.Config(app, log_config=None, log_level="warning",
                            access_log=False, lifespan="off", ws="none", http=_Http, proxy_headers=False,
                            server_header=False, timeout_keep_alive=idle_timeout, timeout_graceful_shutdown=1,
                            limit_concurrency=MAX_CONNECTIONS, workers=1)
    server = uvicorn.Server(config)
    return server


def serve(service: Service, sock: socket.socket, ready: Callable[[str], None] = log.info) -> None:
    """Serve *service* on *sock* until Ctrl-C or SIGTERM; *ready* gets the URL once it listens."""
    server = make_server(service, sock)
    ready(f"preview at http://{HOST}:{sock.getsockname()[1]}/ (Ctrl-C stops it)")
    server.run(sockets=[sock])
