"""``feeder bounces PATH``: bounces and spam complaints that came back, marked on the subscriber list."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from feeder.cli.site import Output, list_tokens, show_report, site_command

if TYPE_CHECKING:
    from feeder.config import Config
    from feeder.mail.bounce_marks import SubscriberOf


@click.command("bounces", epilog="""
\b
Examples:
  feeder bounces ~/Maildir/.bounces -v          # a Maildir (new/ and cur/ are read)
  feeder bounces /var/mail/digest --config site/config.yaml
  */15 * * * *  feeder bounces --config /srv/blog/config.yaml /home/news/Maildir -q   # cron
""")
@site_command
@click.argument("path", type=click.Path(path_type=Path))
def bounces(config: Config, now: datetime, ui: Output, path: Path) -> int:
    """Mark subscribers bounced or complained from the reports in PATH, a Maildir or an mbox file.

    Reads delivery-status notifications (RFC 3464: a permanent failure marks the
    address bounced; a 4xx the server gave up on counts towards
    digest.soft_bounce_weeks; a delay warning changes nothing) and feedback
    reports (RFC 5965: an abuse report marks it complained).  Running it again
    over the same mailbox changes nothing more.  -v lists each report matched
    and each message that could not be read.  Exit code 0, or 2 when PATH is
    neither a Maildir nor an mbox file.
    """
    from feeder.mail.bounce_marks import process_bounces
    from feeder.mail.sqlite_store import open_store

    store = open_store(config.state_dir)
    try:
        result = process_bounces(store, path, now, soft_limit=config.digest.soft_bounce_weeks,
                                 subscriber_of=_token_reader(config))
    finally:
        store.close()
    show_report(ui, result.report())
    return 0


def _token_reader(config: Config) -> SubscriberOf | None:
    """Who an unsubscribe link names (for an abuse report with the recipient redacted); None without the key."""
    if config.serve.public_url is None or not os.environ.get("FEEDER_SECRET_KEY"):
        return None  # reports that name the address are still read
    from feeder.errors import TokenError

    tokens = list_tokens(config)
    assert tokens is not None  # a public_url and a key
    prefix = f"{config.serve.public_url}unsubscribe/"

    def subscriber_of(url: str) -> int | None:
        if not url.startswith(prefix):
            return None
        try:
            return tokens.check_unsubscribe(url[len(prefix):])
        except TokenError:
            return None

    return subscriber_of
