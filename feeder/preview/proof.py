""""Send a test to me": the week's digest to the addresses in ``preview.test_to``.

Exactly what ``feeder send --to ADDRESS`` does for each address (the same
library path, :func:`feeder.mail.send.send_test`): one copy, subject marked
``[TEST]``, its own Message-ID, no ledger read or written, and any week, over
or not.  The issue is built once for all the addresses; the SMTP sender is the
caller's (the CLI makes it with the login from the environment), opened once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from feeder.config import Config
from feeder.digest.issue import build_issue
from feeder.errors import UsageError
from feeder.mail.send import Sender, send_test

SenderFactory = Callable[[Config], AbstractContextManager[Sender]]


def send_tests(config: Config, now: datetime, label: str, senders: SenderFactory) -> list[tuple[bool, str]]:
    """Send week *label* to each ``preview.test_to`` address: (sent?, what happened) per address.

    Raises :class:`UsageError` when there is no one to send to or nothing to send,
    and what the sender raises when the server cannot be used at all (:class:`SmtpError`).
    """
    if not config.preview.test_to:
        raise UsageError("preview.test_to is not set: add your address to the config to send yourself tests")
    issue = build_issue(config, now, label)
    if issue is None:
        raise UsageError(f"nothing to send for {label}: the week has no published posts")
    said: list[tuple[bool, str]] = []
    with senders(config) as sender:
        for to in config.preview.test_to:
            result = send_test(config, issue, now, week=label, sender=sender, to=to)
            failures = result.rejected + result.deferred
            said.append((bool(result.sent), f"test copy of {label} sent to {to}" if result.sent
                         else "; ".join(map(str, failures)) or f"{to}: not sent"))
    return said
