"""The HTTP server under ``feeder serve``: uvicorn, on a socket bound before it starts.

Binding first means ``--port 0`` works (the kernel picks a free port) and the
address is printed only once connections can be made, so a test or a supervisor
that reads the first line of output knows where to go.  uvicorn runs the app on
uvloop and httptools when they are installed (``pip install feeder`` brings them
on Linux and macOS), else on asyncio and h11.

What uvicorn would do by default and must not here:

* ``proxy_headers``: it would believe ``X-Forwarded-For`` from 127.0.0.1, so behind
  nothing at all every local client could name its own address and dodge the rate
  limit; the app decides which proxies to believe (``serve.trusted_proxies``).
* the access log: it prints every request line, and each confirm and unsubscribe
  URL carries a token that acts for its subscriber; feeder logs what it did
  instead, by subscriber number, at INFO (``-v``).
* its ``Server`` header, and configuring the root logger.

SIGTERM (systemd's stop) and Ctrl-C finish the requests in progress, up to
:data:`GRACE` seconds, then :func:`run` returns.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from typing import Any

import uvicorn

GRACE = 10  # seconds requests in progress get to finish after SIGTERM
KEEP_ALIVE = 5  # seconds an idle keep-alive connection is kept open


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on *host*:*port* (0: any free port); OSError if it cannot be had."""
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after a stop
        sock.bind(address)
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def run(app: Any, sock: socket.socket, *, ready: Callable[[str], None]) -> None:
    """Serve *app* (ASGI) on *sock* until SIGTERM or SIGINT; *ready* gets the URL once it is listening."""
    config = uvicorn.Config(app, proxy_headers=False, server_header=False, access_log=False, log_config=None,
                            lifespan="off", timeout_keep_alive=KEEP_ALIVE, timeout_graceful_shutdown=GRACE)
    server = uvicorn.Server(config)
    ready(url_of(sock))
    # uvicorn stops on these signals, then raises them again to the handlers it found: make those a no-op,
    # so that a stop is a normal return (exit 0) rather than a KeyboardInterrupt or a death by SIGTERM.
    previous = {sig: signal.signal(sig, lambda number, frame: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
