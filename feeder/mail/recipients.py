"""The recipients file: one address per line, read into a clean, de-duplicated list.

The file is edited by hand (or exported from somewhere), so it is forgiving in
what it accepts — ``Name <address>``, a bare address, ``#`` comments, blank
lines — and strict about the rest: an invalid line is reported with its line
number and skipped, so one typo never stops the digest going to everyone else.
Addresses are compared case-insensitively; a duplicate is sent once.  What a
mailbox is, and what could smuggle a header into a message, is
:mod:`feeder.addresses`' rule; this module only adds the comments.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formataddr
from pathlib import Path

from feeder.addresses import address_key, parse_mailbox, shown
from feeder.errors import ConfigError, FeederError
from feeder.text import find_control

log = logging.getLogger(__name__)

# A comment starts at " #" outside a quoted name.  A quote never closed runs to the end of the line (as a
# tokenizer reads it): were it no match, the scan would start again at every later '"', each time to the
# end of the line (2.6 s for a 24 KB line of \", issue 14 row 19).
_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|\s#')


@dataclass(frozen=True)
class Recipient:
    """One person on the list; ``key`` is what "the same address" means."""

    address: str  # local@domain, domain in ASCII (IDNA)
    name: str = ""
    line: int = 0
    subscriber_id: int = 0  # in the subscriber store; 0 for a --to test address
    unsubscribe_url: str | None = None  # this person's own signed link; None: digest.unsubscribe_url's

    @property
    def key(self) -> str:
        return address_key(self.address)

    @property
    def formatted(self) -> str:
        """The ``To:`` value: ``Name <address>`` (RFC 2047-encoded by the email package when needed)."""
        return formataddr((self.name, self.address)) if self.name else self.address


@dataclass(frozen=True)
class RecipientProblem:
    """A line of the recipients file that was skipped, and why."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class RecipientList:
    recipients: list[Recipient]
    problems: list[RecipientProblem] = field(default_factory=list)
    duplicates: list[tuple[int, int, str]] = field(default_factory=list)  # (line, first line, address)


def parse_line(text: str) -> tuple[str, str]:
    """``Name <addr>`` or ``addr`` (optionally followed by `` # comment``) → (name, address)."""
    bad = find_control(text, one_line=True)
    if bad is not None:  # a lone CR, a NUL, U+2028…: a header could start there
        raise ValueError(f"holds a control character or line break ({bad!r}) inside the line; remove it")
    mailbox, comment = _split_comment(text)
    if "<" in comment or ">" in comment:  # "a@x.com # c <v@evil.example>": which address is meant?
        raise ValueError(f"a comment must not hold '<' or '>': {shown(text)} could be read as another address")
    return parse_mailbox(mailbox)


def _split_comment(line: str) -> tuple[str, str]:
    """(mailbox, comment) of a line: the comment starts at the first `` #`` outside double quotes."""
    for match in _QUOTED_OR_COMMENT.finditer(line):
        if not match[0].startswith('"'):
            return line[: match.start()], line[match.start():]
    return line, ""


def parse_recipients(text: str, path: Path) -> RecipientList:
    """Every valid, first-seen address in *text*, in file order; the rest as problems or duplicates."""
    result = RecipientList([])
    first: dict[str, int] = {}
    for number, raw in enumerate(text.split("\n"), 1):  # not splitlines(): a lone CR, \v or \x1c ends no line
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            name, address = parse_line(line)
        except ValueError as exc:
            result.problems.append(RecipientProblem(path, number, str(exc)))
            continue
        recipient = Recipient(address, name, number)
        if recipient.key in first:
            result.duplicates.append((number, first[recipient.key], address))
            continue
        first[recipient.key] = number
        result.recipients.append(recipient)
    return result


def read_address_file(path: Path, fail: Callable[[str], FeederError]) -> str:
    """The text of a file of addresses; each way reading it can fail is ``fail(what went wrong)``.

    Bytes, then text: ``read_text()`` would make a lone CR a line end, hiding an
    address in a line.  A byte-order mark is dropped.
    """
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise fail(f"{path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise fail(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}") from None


def load_recipients(path: Path | None) -> RecipientList:
    """Read the file at *path* (``digest.recipients``); a missing or unreadable file is a ConfigError."""
    if path is None:
        raise ConfigError("digest.recipients: not set; point it at a file with one address per line")
    text = read_address_file(path, lambda problem: ConfigError(f"digest.recipients: {problem}"))
    result = parse_recipients(text, path)
    log.debug("%s: %d recipients, %d invalid, %d duplicates", path, len(result.recipients),
              len(result.problems), len(result.duplicates))
    return result
