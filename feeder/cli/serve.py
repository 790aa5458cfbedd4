"""``feeder serve``: the list's public web service (subscribe, confirm, one-click unsubscribe)."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from feeder.cli.site import Output, site_command, smtp_sender

if TYPE_CHECKING:
    from feeder.config import Config


@click.command(epilog="""
\b
Examples:
  feeder serve                           # http://127.0.0.1:8080/, behind your web server
  feeder serve --port 0 -v               # any free port; log each subscribe, confirm and unsubscribe
The signing key comes from FEEDER_SECRET_KEY (old ones, comma-separated, from FEEDER_OLD_SECRET_KEYS),
the SMTP login from FEEDER_SMTP_USERNAME and FEEDER_SMTP_PASSWORD.
""")
@site_command
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep the loopback address and put a reverse proxy in front.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0 picks a free one).")
def serve(config: Config, now: datetime, ui: Output, host: str, port: int) -> int:
    """Answer the subscribe form, confirmation links and one-click unsubscribes, until stopped.

    Routes: POST /subscribe, GET|POST /confirm/TOKEN, GET|POST /unsubscribe/TOKEN,
    GET /healthz.  Links are built from serve.public_url.  The first line printed is
    the address it listens on.  SIGTERM or Ctrl-C stops it; --now shifts its clock.
    """
    from feeder.mail.sqlite_store import open_store
    from feeder.mail.tokens import Tokens
    from feeder.serve.service import serve_until_stopped

    offset = now - datetime.now(timezone.utc)  # zero unless --now was given
    tokens = Tokens.from_environment_values(os.environ.get("FEEDER_SECRET_KEY"),
                                            os.environ.get("FEEDER_OLD_SECRET_KEYS"))
    with smtp_sender(config) as sender, contextlib.closing(open_store(config.state_dir)) as store:
        serve_until_stopped(config, host, port, store=store, tokens=tokens, sender=sender,
                            clock=lambda: datetime.now(timezone.utc) + offset,
                            ready=lambda url: ui.say(f"feeder serve: listening on {url} "
                                                     f"(links point to {config.serve.public_url})"),
                            report=lambda problem: ui.problem(f"error: {problem}"))
    return 0
