"""The subscriber list that feeder owns: who is on it, in what state, since when, and on what consent.

One person is one :class:`Subscriber`, identified by a number (the id that
signed links carry, see :mod:`feeder.mail.tokens`) and by the address, unique
case-insensitively.  The status says whether the digest goes to them:

* ``pending`` — asked through the form, has not clicked the confirmation yet;
* ``active`` — gets the digest;
* ``unsubscribed``, ``bounced``, ``complained`` — *suppressed*: nothing is sent,
  and no import may make them active again (only the person, by confirming a
  new subscription, or the operator, explicitly, can).

Every change of status, and every consent, is an :class:`Event` in an
append-only history.  ``forget`` erases a person (GDPR article 17) and keeps a
keyed hash of the address only, so that a later import cannot mail them again.

:class:`SubscriberStore` is the interface the rest of feeder uses; the SQLite
store (:mod:`feeder.mail.sqlite_store`) is its implementation, and a PostgreSQL one
would be another.  Times are always passed in: the store never reads a clock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formataddr
from enum import StrEnum
from typing import Protocol

from feeder.addresses import address_key, check_address, shown
from feeder.errors import SubscriberError
from feeder.text import find_control

MAX_NAME = 200  # characters of a display name
MAX_FIELD = 2000  # characters of a consent field (a user agent, a page URL, the consent text)


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


SUPPRESSED = frozenset({Status.UNSUBSCRIBED, Status.BOUNCED, Status.COMPLAINED})


class Source(StrEnum):
    FORM = "form"  # the subscribe form of `feeder serve` (double opt-in)
    IMPORT = "import"  # `feeder subscribers import`, or digest.recipients read by `feeder send`
    CLI = "cli"  # `feeder subscribers add`


@dataclass(frozen=True)
class Consent:
    """What the person agreed to, where and when: the record GDPR asks a sender to be able to show."""

    at: datetime
    ip: str = ""
    user_agent: str = ""
    page: str = ""  # the page the form was on
    text: str = ""  # the words of the consent the form showed


@dataclass(frozen=True)
class Subscriber:
    id: int
    address: str  # as given, domain in ASCII (IDNA)
    name: str
    status: Status
    source: Source
    created: datetime
    updated: datetime  # the last change of anything
    consent: Consent | None = None
    confirmation_sent: datetime | None = None  # the last confirmation email (serve sends at most one an hour)
    soft_bounces: int = 0  # weeks in a row with a 4xx and no delivery since

    @property
    def key(self) -> str:
        return address_key(self.address)

    @property
    def formatted(self) -> str:
        """The ``To:`` value: ``Name <address>``."""
        return formataddr((self.name, self.address)) if self.name else self.address


@dataclass(frozen=True)
class Event:
    """One line of a subscriber's history; never changed, removed only with the person (forget)."""

    id: int
    subscriber_id: int
    at: datetime
    kind: str  # subscribed, added, imported, confirmed, unsubscribed, bounced, complained, soft-bounce, ...
    detail: str = ""


@dataclass(frozen=True)
class Candidate:
    """One address to import, as read from a file (line number for the report)."""

    address: str
    name: str = ""
    status: Status = Status.ACTIVE
    consent: Consent | None = None
    line: int = 0


@dataclass
class ImportReport:
    """What an import did, for a person: counts, and each refusal with its line and reason."""

    added: int = 0  # new subscribers
    kept: int = 0  # already on the list: left as they were
    suppressed: int = 0  # already on the list, and the file says unsubscribed/bounced/complained: now so
    unlisted: int = 0  # digest.recipients sync only: listed before, gone from the file, so unsubscribed
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line, address, reason)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong): unreadable lines


def clean_address(address: str) -> str:
    """*address* as stored: checked by feeder's one address rule, domain IDNA-encoded; SubscriberError if not."""
    try:
        return check_address(address.strip())
    except ValueError as exc:
        raise SubscriberError(f"{shown(address)}: {exc}") from None


def clean_name(name: str) -> str:
    """A display name: one line, no control character, at most MAX_NAME characters."""
    if find_control(name, one_line=True) is not None or len(name) > MAX_NAME:
        raise SubscriberError(f"name {shown(name)}: must be one line of at most {MAX_NAME} characters")
    return " ".join(name.split())


def clean_field(value: str) -> str:
    """A consent field: kept as given but for control characters (line breaks stay), cut to MAX_FIELD."""
    return "".join(c for c in value if c in "\n\t" or find_control(c, one_line=True) is None)[:MAX_FIELD]


class SubscriberStore(Protocol):
    """The subscriber list, whatever keeps it.  Each write is one short transaction, durable when it returns."""

    def get(self, address: str) -> Subscriber | None: ...
    def get_by_id(self, subscriber_id: int) -> Subscriber | None: ...

    def subscribe(self, address: str, name: str, *, now: datetime, consent: Consent,
                  source: Source = Source.FORM) -> Subscriber:
        """The form: a new or suppressed address becomes pending (consent recorded); pending/active are kept."""
        ...

    def add(self, address: str, name: str = "", *, now: datetime, source: Source = Source.CLI,
            status: Status = Status.ACTIVE, consent: Consent | None = None, reactivate: bool = False) -> Subscriber:
        """Put one address on the list; a suppressed or forgotten one raises unless *reactivate*."""
        ...

    def import_many(self, candidates: Iterable[Candidate], *, now: datetime, source: Source = Source.IMPORT,
                    sync: str | None = None) -> ImportReport:
        """Add every new address in one transaction; never re-activate. *sync*: see the SQLite store."""
        ...

    def confirm(self, subscriber_id: int, now: datetime, detail: str = "") -> Subscriber | None: ...
    def unsubscribe(self, subscriber_id: int, now: datetime, detail: str = "") -> Subscriber | None: ...
    def unsubscribe_many(self, requests: Sequence[tuple[int, datetime, str]]) -> list[Subscriber | None]: ...
    def mark(self, subscriber_id: int, status: Status, now: datetime, detail: str = "") -> Subscriber | None: ...
    def soft_bounce(self, subscriber_id: int, week: str, now: datetime, limit: int,
                    detail: str = "") -> Subscriber | None: ...
    def delivered(self, subscriber_id: int) -> None: ...
    def record_confirmation_sent(self, subscriber_id: int, now: datetime) -> None: ...
    def iterate(self, status: Status | None = None, batch: int = 1000) -> Iterator[Subscriber]: ...
    def counts(self) -> dict[Status, int]: ...
    def events(self, subscriber_id: int) -> list[Event]: ...
    def forget(self, address: str, now: datetime) -> bool: ...
    def is_forgotten(self, address: str) -> bool: ...
    def is_suppressed(self, address: str) -> bool: ...

    def open_week(self, week: str, now: datetime, *, again: bool = False) -> bool: ...
    def audience(self, week: str, batch: int = 1000) -> Iterator[Subscriber]: ...
    def audience_size(self, week: str) -> int: ...
    def finish_week(self, week: str, now: datetime) -> None: ...
    def unfinished_weeks(self) -> list[str]: ...
    def rehearsal(self) -> contextlib.AbstractContextManager[None]:
        """A block whose writes are all undone at its end (``feeder send --dry-run``)."""
        ...

    def close(self) -> None: ...
