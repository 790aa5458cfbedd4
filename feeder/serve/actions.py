"""What each request of ``feeder serve`` does to the list: plain blocking calls, run in worker threads.

The routes (:mod:`feeder.serve.app`) parse HTTP and pick pages; this module holds
the rules, each a function of the store, the tokens, the time and what the reader
sent, and each answering with an :class:`Answer` the page is chosen from:

* subscribe: a new or suppressed address becomes ``pending`` and gets a
  confirmation email; a pending one gets another only when the last is older than
  ``serve.confirm_interval`` (an hour by default), so nobody can use the form to
  flood a stranger's inbox; an active one is left as it is and gets nothing.  The
  reader sees the same "check your inbox" page in every case.
* confirm: a genuine, unexpired confirmation token of a ``pending`` subscriber
  makes them ``active``; an active one stays so (a second click is harmless);
  anyone who has since left is not brought back by an old link.
* unsubscribe: a genuine unsubscribe token makes its subscriber ``unsubscribed``,
  at once and idempotently (written with others by :mod:`feeder.serve.writer`).

A token that is tampered with, cut short, signed with a key this site does not
hold, or expired changes nothing; nor does one whose subscriber was forgotten.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from feeder.errors import SubscriberError, TokenError
from feeder.mail.subscribers import Consent, Status, Subscriber, SubscriberStore, clean_address, clean_field
from feeder.mail.tokens import Tokens
from feeder.serve.confirmation import Confirmations

log = logging.getLogger(__name__)
MAX_NAME = 200  # characters of a name kept from the form (the store's limit)

Kind = Literal["subscribed", "confirm", "confirmed", "unsubscribe", "unsubscribed",
               "bad_link", "gone", "bad_address", "mail_failed"]


@dataclass(frozen=True)
class Answer:
    """Which page to show, and the address it is about (shown only to whoever holds its token or typed it)."""

    kind: Kind
    address: str = ""


@dataclass(frozen=True)
class Reader:
    """What a request says about who sent it, kept as the consent record."""

    ip: str = ""
    user_agent: str = ""
    page: str = ""  # the page the form was on (its hidden `page` field, else the Referer)


class ListDesk:
    """The list's three actions over one store, one key set and one confirmation sender."""

    def __init__(self, store: SubscriberStore, tokens: Tokens, confirmations: Confirmations, *,
                 expiry: timedelta, interval: timedelta, report: Callable[[str], None] = log.info) -> None:
        self.store, self.tokens, self.confirmations = store, tokens, confirmations
        self.report = report  # what the operator must read (a confirmation email not sent); the CLI prints it
        self.expiry, self.interval = expiry, interval
        self._sending: set[int] = set()  # subscribers whose confirmation email is on its way right now
        self._lock = threading.Lock()

    def subscribe(self, address: str, name: str, consent_text: str, reader: Reader, now: datetime) -> Answer:
        """The form was sent (and passed the honeypot and the rate limit)."""
        try:
            address = clean_address(address)
        except SubscriberError:
            return Answer("bad_address", address.strip()[:254])
        consent = Consent(at=now, ip=reader.ip, user_agent=clean_field(reader.user_agent),
                          page=clean_field(reader.page), text=clean_field(consent_text))
        subscriber = self.store.subscribe(address, _name(name), now=now, consent=consent)
        if subscriber.status != Status.PENDING or not self._due(subscriber, now):
            log.info("subscribe: subscriber %d is %s; no email sent", subscriber.id, subscriber.status.value)
            return Answer("subscribed", address)
        with self._lock:
            if subscriber.id in self._sending:  # the same address twice at once: one email
                return Answer("subscribed", address)
            self._sending.add(subscriber.id)
        try:
            outcome = self.confirmations.send(subscriber.address, self.tokens.confirm_token(subscriber.id, now), now)
            if not outcome.accepted:
                self.report(f"subscribe: the confirmation email to subscriber {subscriber.id} was not sent: "
                            f"{outcome}; they were asked to try again")
                return Answer("mail_failed", address)
            self.store.record_confirmation_sent(subscriber.id, now)
        finally:
            with self._lock:
                self._sending.discard(subscriber.id)
        log.info("subscribe: confirmation email sent to subscriber %d", subscriber.id)
        return Answer("subscribed", address)

    def _due(self, subscriber: Subscriber, now: datetime) -> bool:
        """May this pending subscriber get a confirmation email now?"""
        last = subscriber.confirmation_sent
        return last is None or now - last >= self.interval or last > now  # a clock set back does not lock them out

    def show_confirm(self, token: str, now: datetime) -> Answer:
        """``GET /confirm/<token>``: changes nothing."""
        found = self._confirm_subscriber(token, now)
        if isinstance(found, Answer):
            return found
        if found.status == Status.ACTIVE:
            return Answer("confirmed", found.address)
        if found.status != Status.PENDING:
            return Answer("bad_link")
        return Answer("confirm", found.address)

    def confirm(self, token: str, now: datetime) -> Answer:
        """``POST /confirm/<token>``: pending becomes active."""
        found = self._confirm_subscriber(token, now)
        if isinstance(found, Answer):
            return found
        subscriber = self.store.confirm(found.id, now, "with the emailed link")
        if subscriber is None:
            return Answer("gone")
        if subscriber.status != Status.ACTIVE:
            log.info("confirm: subscriber %d is %s; an old link changes nothing", found.id, subscriber.status.value)
            return Answer("bad_link")
        log.info("confirm: subscriber %d is active", found.id)
        return Answer("confirmed", subscriber.address)

    def show_unsubscribe(self, token: str) -> Answer:
        """``GET /unsubscribe/<token>``: changes nothing."""
        found = self._unsubscribe_subscriber(token)
        if isinstance(found, Answer):
            return found
        return Answer("unsubscribed" if found.status == Status.UNSUBSCRIBED else "unsubscribe", found.address)

    def unsubscribe_id(self, token: str) -> int | Answer:
        """``POST /unsubscribe/<token>``: the subscriber to unsubscribe, or the refusal; no I/O (the token alone).

        The write itself goes through :class:`~feeder.serve.writer.Unsubscribes`, with others.
        """
        try:
            return self.tokens.check_unsubscribe(token)
        except TokenError as exc:
            log.info("unsubscribe: %s", exc)
            return Answer("bad_link")

    def _confirm_subscriber(self, token: str, now: datetime) -> Subscriber | Answer:
        try:
            subscriber_id = self.tokens.check_confirm(token, now, self.expiry)
        except TokenError as exc:
            log.info("confirm: %s", exc)
            return Answer("bad_link")
        return self.store.get_by_id(subscriber_id) or Answer("gone")

    def _unsubscribe_subscriber(self, token: str) -> Subscriber | Answer:
        subscriber_id = self.unsubscribe_id(token)
        if isinstance(subscriber_id, Answer):
            return subscriber_id
        return self.store.get_by_id(subscriber_id) or Answer("gone")


def _name(name: str) -> str:
    """The optional name from the form, made fit to store: one line, printable, not too long."""
    return "".join(c for c in " ".join(name.split()) if c.isprintable())[:MAX_NAME]
