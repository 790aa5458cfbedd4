"""One recipient's copy of an issue as a standard email message.

Built with the standard library's :class:`email.message.EmailMessage` under the
SMTP policy, which RFC 2047-encodes non-ASCII headers, folds long ones, writes
CRLF line ends and picks quoted-printable or base64 for the UTF-8 text body, so no
line of the message exceeds 998 characters however long an HTML line is.  The HTML
body goes in the encoding the issue was fitted in (:attr:`Issue.size`): the
smaller of the two, which is what Gmail's clip counts.  The
list headers are the exception (see :mod:`feeder.digest.headers`): they go out
exactly as written, because an encoded ``List-Unsubscribe`` is no
``List-Unsubscribe`` to a mailbox provider.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from feeder.addresses import parse_mailbox
from feeder.config import Config
from feeder.digest.headers import POLICY, list_id
from feeder.digest.issue import Issue
from feeder.errors import ConfigError, RecipientError
from feeder.text import find_control


def build_message(config: Config, issue: Issue, to: str, *, now: datetime, message_id: str | None = None,
                  test: bool = False, unsubscribe_url: str | None = None) -> EmailMessage:
    """The multipart/alternative message of *issue* for *to* (``addr`` or ``Name <addr>``).

    *unsubscribe_url* is this recipient's own one-click link (from the subscriber store); without
    it, ``digest.unsubscribe_url`` with the address filled in, if that is set.  The same URL goes
    in ``List-Unsubscribe`` and in both bodies; ``List-Unsubscribe-Post`` (RFC 8058 one-click) is
    only offered for https, as the RFC requires.

    *message_id* defaults to one derived from the week, the recipient and the sender's
    domain: a resend after a crash reuses it, so a receiving server can drop the copy.
    A test send (``[TEST]`` subject) gets a different one, so it never collides.
    """
    sender = sender_of(config)
    address = _address(to)
    body_html, body_text, unsubscribe = issue.personalize(address, unsubscribe_url)
    if unsubscribe and (not unsubscribe.isascii() or find_control(unsubscribe, one_line=True) or " " in unsubscribe):
        raise ConfigError(f"unsubscribe URL {unsubscribe[:200]!r}: must be ASCII with no spaces or line breaks "
                          "(check serve.public_url or digest.unsubscribe_url)")
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = ("[TEST] " if test else "") + issue.subject
    msg["From"] = sender
    msg["To"] = to.strip()
    msg["Date"] = format_datetime(now.astimezone(config.site.timezone))
    msg["Message-ID"] = message_id or _message_id(issue.week, address, sender, now if test else None)
    msg["List-Id"] = list_id(config.site.title, config.digest.list_id)
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        if unsubscribe.lower().startswith("https://"):
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(body_text, subtype="plain", charset="utf-8")
    # The HTML in the encoding the issue was fitted in (the smaller of the two; see feeder.digest.wire)
    msg.add_alternative(body_html, subtype="html", charset="utf-8", cte=issue.size.encoding)
    # A boundary from the content, not a random one: the same issue gives byte-identical files.
    msg.set_boundary("feeder-" + hashlib.sha256((body_text + "\0" + body_html).encode()).hexdigest()[:32])
    return msg


def sender_of(config: Config) -> str:
    """``digest.from``: the one place that says it is missing (``feeder send`` asks before sending anything)."""
    if not config.digest.sender:
        raise ConfigError("digest.from: not set; the digest needs a sender address, e.g. 'Site <news@example.com>'")
    return config.digest.sender


def _address(to: str) -> str:
    """The bare address of *to*; a value that could smuggle a header in is refused."""
    try:
        return parse_mailbox(to)[1]
    except ValueError as exc:
        raise RecipientError(f"recipient: {exc}") from None


def _message_id(week: str, recipient: str, sender: str, test_time: datetime | None) -> str:
    domain = parse_mailbox(sender)[1].rpartition("@")[2]  # digest.from passed the same rule when it was read
    seed = f"{week}\0{recipient.lower()}\0{domain}" + (f"\0test\0{test_time.isoformat()}" if test_time else "")
    digest = hashlib.sha256(seed.encode()).hexdigest()[:32]
    return f"<{week}.{digest}@{domain}>"
