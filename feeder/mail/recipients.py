"""The recipients file: one address per line, read into a clean, de-duplicated list.

The file is edited by hand (or exported from somewhere), so it is forgiving in
what it accepts — ``Name <address>``, a bare address, ``#`` comments, blank
lines — and strict about the rest: an invalid line is reported with its line
number and skipped, so one typo never stops the digest going to everyone else.
Addresses are compared case-insensitively; a duplicate is sent once.  Each line
is checked for what could smuggle a header (control characters) before it gets
anywhere near a message.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from email.utils import formataddr
from pathlib import Path

from feeder.errors import ConfigError

log = logging.getLogger(__name__)

_LINE = re.compile(r"^(?:(?P<name>[^<>]*?)\s*<(?P<angle>[^<>]*)>|(?P<bare>[^\s<>]+))(?:\s+#.*)?$")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Recipient:
    """One person on the list; ``key`` is what "the same address" means."""

    address: str  # local@domain, domain in ASCII (IDNA)
    name: str = ""
    line: int = 0

    @property
    def key(self) -> str:
        return self.address.lower()

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


def check_address(value: str) -> str:
    """*value* as a sendable address (domain IDNA-encoded); ValueError says what is wrong with it."""
    if _CONTROL.search(value):
        raise ValueError("contains a control character")
    if value.count("@") != 1:
        raise ValueError(f"not an email address (expected one '@'): {value!r}")
    local, domain = value.split("@")
    if not local or len(local) > 64 or not _LOCAL.match(local):
        raise ValueError(f"invalid local part {local!r} in {value!r}")
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        raise ValueError(f"invalid domain {domain!r} in {value!r}") from None
    labels = ascii_domain.rstrip(".").split(".")
    if len(labels) < 2 or len(ascii_domain) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"invalid domain {domain!r} in {value!r}")
    return f"{local}@{ascii_domain.rstrip('.')}"


def parse_line(text: str) -> tuple[str, str]:
    """``Name <addr>`` or ``addr`` (optionally followed by `` # comment``) → (name, address)."""
    if _CONTROL.search(text.replace("\t", " ")):
        raise ValueError("contains a control character")
    match = _LINE.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r}; expected 'address' or 'Name <address>'")
    address = check_address((match["angle"] if match["angle"] is not None else match["bare"]).strip())
    name = (match["name"] or "").strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].replace('\\"', '"').strip()
    return name, address


def parse_recipients(text: str, path: Path) -> RecipientList:
    """Every valid, first-seen address in *text*, in file order; the rest as problems or duplicates."""
    result = RecipientList([])
    first: dict[str, int] = {}
    for number, raw in enumerate(text.split("\n"), 1):  # not splitlines(): \v or \x1c must not start a line
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


def load_recipients(path: Path | None) -> RecipientList:
    """Read the file at *path* (``digest.recipients``); a missing or unreadable file is a ConfigError."""
    if path is None:
        raise ConfigError("digest.recipients: not set; point it at a file with one address per line")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"digest.recipients: {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"digest.recipients: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"digest.recipients: cannot read {path}: {exc.strerror}") from None
    result = parse_recipients(text, path)
    log.debug("%s: %d recipients, %d invalid, %d duplicates", path, len(result.recipients),
              len(result.problems), len(result.duplicates))
    return result
