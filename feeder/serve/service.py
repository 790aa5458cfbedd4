"""``feeder serve`` put together: the app from a config and the parts the CLI made (store, keys, sender, clock).

:func:`serve_until_stopped` is what the command runs: the app, the socket, uvicorn
until SIGTERM or Ctrl-C, and the queued unsubscribes written before it returns.

Everything that can be wrong with the setup is found here, before the port is
opened: no ``serve.public_url`` (every link in an email is built from it), no
``digest.from`` (the confirmation email's sender), a page or email template that
does not render.  A server that starts is a server that can answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from feeder.config import Config
from feeder.errors import ConfigError, UsageError
from feeder.mail.send import Sender
from feeder.mail.subscribers import SubscriberStore
from feeder.mail.tokens import Tokens
from feeder.serve.actions import ListDesk
from feeder.serve.app import App
from feeder.serve.confirmation import Confirmations
from feeder.serve.limits import RateLimit, networks
from feeder.serve.pages import Pages
from feeder.serve.server import bind, run


def make_app(config: Config, *, store: SubscriberStore, tokens: Tokens, sender: Sender,
             clock: Callable[[], datetime], report: Callable[[str], None]) -> App:
    """The app for *config*; ConfigError naming every missing setting and any template that does not render."""
    s = config.serve
    missing = []
    if not s.public_url:
        missing.append("serve.public_url: not set; feeder serve builds every link in its emails and pages from it "
                       "(the address readers reach it at through your web server, e.g. https://example.com/list/)")
    if not config.digest.sender:
        missing.append("digest.from: not set; the confirmation email needs a sender, e.g. 'Site <news@example.com>'")
    if missing:
        raise ConfigError(*missing)
    assert s.public_url is not None
    pages = Pages(config.site, public_url=s.public_url, override=s.templates)
    pages.check()
    confirmations = Confirmations(config, sender, public_url=s.public_url, expiry_days=s.confirm_expiry_days)
    confirmations.check(clock())
    desk = ListDesk(store, tokens, confirmations, expiry=timedelta(days=s.confirm_expiry_days),
                    interval=timedelta(seconds=s.confirm_interval), report=report)
    return App(desk, pages, clock, limit=RateLimit(s.subscribe_limit, s.subscribe_window),
               trusted_proxies=networks(s.trusted_proxies), thanks_url=s.thanks_url)


def serve_until_stopped(config: Config, host: str, port: int, *, store: SubscriberStore, tokens: Tokens,
                        sender: Sender, clock: Callable[[], datetime], ready: Callable[[str], None],
                        report: Callable[[str], None]) -> None:
    """Answer on *host*:*port* until SIGTERM or SIGINT; *ready* gets the URL once connections are accepted.

    *report* gets what the operator must read while it runs: an email that could not be sent, a store
    that could not be written.

    ConfigError (see :func:`make_app`) or UsageError (the address cannot be listened on) before that.
    """
    app = make_app(config, store=store, tokens=tokens, sender=sender, clock=clock, report=report)
    try:
        try:
            sock = bind(host, port)
        except OSError as exc:
            raise UsageError(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})") from None
        run(app.asgi, sock, ready=ready)
    finally:
        app.close()
