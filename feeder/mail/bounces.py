"""Bounces and complaints that came back to the sender: read from a Maildir or mbox, applied to the list.

Two standard formats say exactly what happened, and are read here field by field:

* RFC 3464 delivery-status notifications (``multipart/report;
  report-type=delivery-status``): per recipient an ``Action`` and a ``Status``.
  ``failed`` with a ``5.x.x`` status is a bounce; ``failed`` with ``4.x.x`` (the
  server gave up retrying) is a soft bounce of the week the message was for;
  ``delayed`` is only a warning, and changes nothing.
* RFC 5965 feedback reports (ARF, ``report-type=feedback-report``): a
  ``Feedback-Type: abuse`` is a complaint.  Providers often redact the
  recipient; the returned message's ``List-Unsubscribe`` link still carries
  the subscriber's signed token, which names them.

Bounces from servers that write neither (old Exim, qmail, some webmail
providers) are left to ``flufl.bounce``'s heuristics, the ones GNU Mailman
uses: only a permanent failure it recognises counts.  Anything else (replies,
auto-responders, spam) is reported as unreadable and changes nothing.

The week a bounce is about comes from the returned message's ``Message-ID``
(``<2025-W50.…@domain>``, see :mod:`feeder.digest.message`).  Reading is pure
(:func:`read_report`); :mod:`feeder.mail.bounce_apply` marks the store.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.errors import MessageError
from email.message import Message
from email.utils import getaddresses
from pathlib import Path
from typing import Literal

from flufl.bounce import all_failures

from feeder.errors import UsageError

Kind = Literal["bounced", "soft", "delayed", "complained", "ignored"]
_WEEK = re.compile(r"<(\d{4}-W\d\d)\.[^@>]*@[^>]*>")
_STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}")
_UNSUBSCRIBE = re.compile(r"<(https?://[^>\s]+)>")
MAX_MESSAGE = 10 << 20  # bytes of one report read; a bounce carrying a huge attachment is cut, its headers kept
HEURISTICS_UP_TO = 1 << 20  # bytes: a larger message without a standard report is no bounce; spare the heuristics


@dataclass(frozen=True)
class Finding:
    """What one report says about one recipient."""

    kind: Kind
    addresses: tuple[str, ...]  # the recipient as the report names it, best first (original, then final)
    status: str = ""  # the DSN status ("5.1.1") or the feedback type ("abuse")
    detail: str = ""  # the server's words (Diagnostic-Code), or how the report was read
    week: str | None = None  # the digest week of the returned message, when it is one of ours
    unsubscribe_url: str | None = None  # the returned message's List-Unsubscribe link (names a redacted recipient)


@dataclass(frozen=True)
class Report:
    """One message of the mailbox: what it says, or why it says nothing."""

    source: str  # "new/1765954801.M1P100.host" (Maildir) or "#3" (mbox), for the person reading -v
    message_id: str  # the report's own Message-ID, "" when it has none
    findings: tuple[Finding, ...] = ()
    unreadable: str = ""  # why no finding could be read


def read_mailbox(path: Path) -> Iterator[tuple[str, bytes]]:
    """(source, raw bytes) of every message in the Maildir (new/ and cur/) or mbox file at *path*."""
    if path.is_dir():
        folders = [path / sub for sub in ("new", "cur") if (path / sub).is_dir()]
        if not folders:
            raise UsageError(f"{path}: a folder, but not a Maildir (it has no new/ or cur/); "
                             "give the Maildir itself, e.g. ~/Maildir/.bounces")
        for folder in folders:
            for file in sorted(folder.iterdir()):
                if file.name.startswith("."):
                    continue
                try:
                    with file.open("rb") as f:
                        data = f.read(MAX_MESSAGE)
                except (FileNotFoundError, IsADirectoryError):  # moved to cur/ meanwhile (read there), or no mail
                    continue
                yield f"{folder.name}/{file.name}", data
        return
    try:
        with path.open("rb") as f:
            start = f.read(5)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such Maildir or mbox file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if start and start != b"From ":
        raise UsageError(f"{path}: not an mbox file (it does not start with a 'From ' line) nor a Maildir folder")
    box = mailbox.mbox(path, create=False)  # indexes the file, then reads one message at a time
    try:
        for index, key in enumerate(box.iterkeys()):
            yield f"#{index + 1}", box.get_bytes(key)[:MAX_MESSAGE]
    finally:
        box.close()


def read_report(source: str, data: bytes) -> Report:
    """What the message *data* reports; never raises for a malformed message (it is unreadable)."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        message_id = " ".join(str(message.get("Message-ID", "")).split())
        findings, why = _read(message, heuristics=len(data) <= HEURISTICS_UP_TO)
    except (MessageError, ValueError, LookupError, TypeError) as exc:  # a malformed message, whatever breaks
        return Report(source, "", unreadable=f"cannot parse it: {exc}")
    return Report(source, message_id, tuple(findings), "" if findings else why)


def _read(message: Message, heuristics: bool) -> tuple[list[Finding], str]:
    parts = {part.get_content_type(): part for part in message.walk()}
    original = _original(parts)
    week, unsubscribe = _week(original), _unsubscribe(original)
    if "message/delivery-status" in parts:
        findings = [f for block in _blocks(parts["message/delivery-status"])[1:]
                    if (f := _dsn(block, week, unsubscribe)) is not None]
        return findings, "a delivery-status report naming no recipient"
    if "message/feedback-report" in parts:
        blocks = _blocks(parts["message/feedback-report"])
        return ([_arf(blocks[0], original, week, unsubscribe)], "") if blocks else ([], "an empty feedback report")
    if not heuristics:
        return [], f"not a delivery-status or feedback report, and over {HEURISTICS_UP_TO >> 20} MiB"
    temporary, permanent = all_failures(message)  # not a standard report: Mailman's heuristics
    found = [Finding("bounced", (a.decode("ascii", "replace"),), "", "read by flufl.bounce's heuristics (not RFC 3464)",
                     week, unsubscribe) for a in sorted(permanent)]
    found += [Finding("delayed", (a.decode("ascii", "replace"),), "", "a temporary failure (flufl.bounce)", week)
              for a in sorted(temporary - permanent)]
    return found, "not a delivery-status or feedback report, nor a bounce flufl.bounce recognises"


def _blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    return [block for block in payload if isinstance(block, Message)] if isinstance(payload, list) else []


def _dsn(block: Message, week: str | None, unsubscribe: str | None) -> Finding | None:
    """One per-recipient block of an RFC 3464 report."""
    addresses = tuple(a for name in ("Original-Recipient", "Final-Recipient", "X-Actual-Recipient")
                      for a in [_typed_address(block.get(name))] if a)
    if not addresses:
        return None
    action = str(block.get("Action", "")).strip().lower().split(" ")[0]
    status_field = " ".join(str(block.get("Status", "")).split())
    match = _STATUS.match(status_field)
    status = match[0] if match else ""
    detail = " ".join(str(block.get("Diagnostic-Code", "")).split())
    if action in ("failed", "error"):  # "error": OpenSMTPD's non-standard word for it
        kind: Kind = "soft" if status.startswith("4") else "bounced"
    elif action == "delayed":
        kind = "delayed"
    else:  # delivered, relayed, expanded: nothing wrong
        kind = "ignored"
    return Finding(kind, _unique(addresses), status, detail or f"Action: {action or '(none)'}", week, unsubscribe)


def _arf(fields: Message, original: Message | None, week: str | None, unsubscribe: str | None) -> Finding:
    """The machine-readable part of an RFC 5965 feedback report."""
    feedback = " ".join(str(fields.get("Feedback-Type", "")).split()).lower()
    addresses = [addr for value in fields.get_all("Original-Rcpt-To", []) for _n, addr in getaddresses([value])]
    if original is not None:
        addresses += [addr for _n, addr in getaddresses(original.get_all("To", []))]
    agent = " ".join(str(fields.get("User-Agent", "")).split())
    return Finding("complained" if feedback == "abuse" else "ignored", _unique(tuple(a for a in addresses if a)),
                   feedback or "(no Feedback-Type)", f"feedback report by {agent or 'an unnamed agent'}",
                   week, unsubscribe)


def _original(parts: dict[str, Message]) -> Message | None:
    """The returned message (or its headers), which says which digest this was about."""
    if "text/rfc822-headers" in parts:
        text = parts["text/rfc822-headers"].get_payload(decode=True)
        if isinstance(text, bytes):
            return email.message_from_bytes(text, policy=email.policy.compat32)
    rfc822 = parts.get("message/rfc822")
    if rfc822 is not None:
        inner = _blocks(rfc822)
        return inner[0] if inner else None
    return None


def _week(original: Message | None) -> str | None:
    match = _WEEK.search(" ".join(str(original.get("Message-ID", "")).split())) if original is not None else None
    return match[1] if match else None


def _unsubscribe(original: Message | None) -> str | None:
    match = _UNSUBSCRIBE.search(str(original.get("List-Unsubscribe", ""))) if original is not None else None
    return match[1] if match else None


def _typed_address(value: object) -> str:
    """``rfc822; user@example.org`` → ``user@example.org``; another address type → ""."""
    if value is None:
        return ""
    kind, _, address = str(value).partition(";")
    if not address:  # no type given (seen in the wild): take the value if it looks like an address
        kind, address = "rfc822", kind
    address = " ".join(address.split()).strip("<> ")
    return address if kind.strip().lower() == "rfc822" and "@" in address else ""


def _unique(addresses: tuple[str, ...]) -> tuple[str, ...]:
    """Each address once (case-insensitively), in the order given."""
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.lower(), address)
    return tuple(seen.values())
