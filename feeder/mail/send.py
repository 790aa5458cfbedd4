"""``feeder send``: one week's digest to every recipient, exactly once, even across crashes.

The order of events is what makes it exactly-once: take the week's lock, read
the ledger, and for each recipient not in it build the message, hand it to the
server, and the moment the server accepts it append the recipient to the
ledger (fsynced) before touching the next one.  The disk space for that line is
allocated before the message goes (:meth:`Ledger.prepare`), so a full disk
stops the run cleanly between two messages, never after an acceptance.  A run
that dies at any point leaves a ledger that names everybody who has the digest
— at worst it misses the one message whose acceptance was in flight, which is
why Message-IDs are deterministic: receiving systems that see the same ID twice
drop the copy.

Only a week that is over is sent (``--force`` overrides, ``--to`` proofs are
always allowed): a week sent before its end would be marked done in the ledger
without the posts still to come.  Before the first message the issue's web
version, which every message links to, is written to ``<output_dir>/digests/``.

Messages are built from the issue rendered once, a bounded window ahead of
the sender (by worker processes for long lists, see :mod:`feeder.mail.outbox`), so
memory does not grow with the list.  Permanent refusals are reported and the rest still go
out; after ``smtp.max_consecutive_failures`` failures in a row the server is
clearly not working and the run stops — the next run picks up where it ended.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

from feeder.addresses import parse_mailbox
from feeder.config import Config
from feeder.digest.files import write_web_version
from feeder.digest.issue import Issue, build_issue
from feeder.digest.message import build_message, sender_of
from feeder.digest.weeks import iso_week_bounds, resolve
from feeder.errors import PostError, StorageError, UsageError
from feeder.mail.ledger import open_ledger, read_ledger
from feeder.mail.outbox import Compose, Job, messages, wire_bytes
from feeder.mail.recipients import Recipient, RecipientProblem, load_recipients, parse_line
from feeder.mail.smtp import Outcome

log = logging.getLogger(__name__)
Level = Literal["say", "detail", "problem"]  # a report line: the summary, shown with -v, always shown (stderr)

class Sender(Protocol):
    def deliver(self, message: EmailMessage | bytes, envelope_from: str, recipient: str) -> Outcome: ...


@dataclass(frozen=True)
class Failure:
    recipient: str
    outcome: Outcome

    def __str__(self) -> str:
        return f"{self.recipient}: {self.outcome}"


@dataclass
class SendResult:
    week: str
    subject: str = ""
    empty: bool = False  # no posts that week: nothing to send
    dry_run: bool = False
    test_to: str | None = None  # --to: a test send to this address
    recipients: int = 0  # distinct valid addresses on the list
    already: int = 0  # of those, in the ledger before this run
    pending: int = 0  # to be sent by this run
    sent: int = 0
    rejected: list[Failure] = field(default_factory=list)  # permanent (5xx)
    deferred: list[Failure] = field(default_factory=list)  # transient, retries used up
    stopped: str | None = None  # why the run stopped early
    unattempted: int = 0
    size: int = 0  # bytes of one message, for --dry-run
    round: int = 0  # --force rounds so far
    web_version: Path | None = None  # the page the messages link to, written before sending
    problems: list[RecipientProblem] = field(default_factory=list)
    post_problems: list[PostError] = field(default_factory=list)  # posts of the week left out of the issue
    duplicates: list[tuple[int, int, str]] = field(default_factory=list)
    warnings: tuple[str, ...] = ()  # the issue's (no unsubscribe URL, cut to fit): the send goes ahead

    @property
    def incomplete(self) -> bool:
        """Someone on the list did not get it (refused, to retry, not attempted, an invalid line)."""
        return bool(self.rejected or self.deferred or self.stopped or self.problems)

    def report(self) -> Iterator[tuple[Level, str]]:
        """What this send did, for a person: ("say" | "detail" | "problem", text) pairs.

        A line or two, plus each failure and each invalid recipient line; the CLI prints them.
        """
        for post in self.post_problems:
            yield "problem", str(post)
        for problem in self.problems:
            yield "problem", str(problem)
        for warning in self.warnings:
            yield "problem", f"warning: {warning}"
        for line, first, address in self.duplicates:
            yield "detail", f"line {line}: {address} is a duplicate of line {first}; sent once"
        if self.empty:
            yield "say", f"{self.week}: no posts that week; nothing to send"
            return
        if self.dry_run:
            target = f"test copy to {self.test_to}" if self.test_to else \
                f"{self.pending} of {self.recipients} recipients ({self.already} already sent)"
            yield "say", (f"dry run, {self.week}: would send {target}; subject: {self.subject}; "
                          f"{self.size} bytes per message")
            return
        for failure in self.rejected + self.deferred:
            yield "problem", str(failure)
        if self.test_to:
            if self.sent:
                yield "say", f"{self.week}: test copy sent to {self.test_to}"
            return
        if self.web_version:
            yield "detail", f"web version: {self.web_version}"
        if not self.recipients:
            yield "say", f"{self.week}: no valid address in the digest.recipients file; nothing sent"
            return
        if not self.pending:
            yield "say", (f"{self.week}: already sent to all {self.recipients} recipients; nothing to do "
                          "(--force sends again)")
            return
        yield "say", (f"{self.week}: sent {self.sent} of {self.pending} ({self.already} already had it, "
                      f"{len(self.rejected)} rejected, {len(self.deferred)} to retry)")
        if self.stopped:
            yield "problem", (f"stopped early: {self.stopped}; {self.unattempted} not attempted, "
                              "run feeder send again to resume")


def send(config: Config, now: datetime, *, sender: Sender, week: str | None = None, dry_run: bool = False,
         to: str | None = None, force: bool = False, wait: float = 0.0, workers: int = 1) -> SendResult:
    """Send the digest of *week* (default: the last complete week before *now*).

    A week that has not ended by *now* is refused (a :class:`UsageError`, also for a dry run)
    unless *force*; a test send (*to*) may proof it any time.

    Long lists are built on up to *workers* forked processes (see :mod:`feeder.mail.outbox`): more
    than one only from a caller that runs no other thread.
    """
    label = resolve(week, now, config)  # a UsageError for a bad label, before anything else
    end = iso_week_bounds(label, config)[1]
    if end > now and to is None and not force:
        raise UsageError(f"--week {label}: the week is not over until {end.isoformat()}; sending it now would "
                          "mark it sent without the posts still to come (send it then, proof it with --to, "
                          "or --force to send it incomplete)")
    issue = build_issue(config, now, label)
    return send_issue(config, issue, now, week=label, sender=sender, compose=build_message,
                      dry_run=dry_run, to=to, force=force, wait=wait, workers=workers)


def send_issue(config: Config, issue: Issue | None, now: datetime, *, week: str, sender: Sender, compose: Compose,
               dry_run: bool = False, to: str | None = None, force: bool = False, wait: float = 0.0,
               workers: int = 1) -> SendResult:
    """Deliver an already built *issue* (``None``: an empty week) with *compose* making each message.

    *workers*: processes that may build messages (long lists only; see feeder.mail.outbox).
    """
    result = SendResult(week, dry_run=dry_run, test_to=to)
    if issue is None:
        result.empty = True
        return result
    result.subject, result.warnings, result.post_problems = issue.subject, issue.warnings, list(issue.problems)
    envelope_from = _envelope_from(config)
    if to is not None:
        return _test_send(config, issue, now, result, sender, compose, envelope_from, to)

    listed = load_recipients(config.digest.recipients)
    result.problems, result.duplicates = listed.problems, listed.duplicates
    result.recipients = len(listed.recipients)
    if dry_run:
        state = read_ledger(config.state_dir, week)
        done = set() if force else state.sent
        todo = [r for r in listed.recipients if r.key not in done]
        result.already, result.pending, result.round = len(listed.recipients) - len(todo), len(todo), state.round
        if todo:
            result.size = len(wire_bytes(compose(config, issue, todo[0].formatted, now=now), config))
        return result

    result.web_version = write_web_version(config, issue)  # before any message links to it
    with open_ledger(config.state_dir, week, wait) as ledger:
        if force:
            ledger.start_round(now)
        result.round = ledger.state.round
        todo = [r for r in listed.recipients if r.key not in ledger.sent]
        result.already, result.pending = len(listed.recipients) - len(todo), len(todo)
        log.info("%s: %d recipients, %d already sent, %d to send", week, result.recipients, result.already, len(todo))
        job = Job(config, issue, now, week, ledger.state.round, envelope_from, compose)
        outbox = messages(job, todo, workers)
        consecutive = 0
        try:
            for index, (recipient, message_id, data) in enumerate(outbox):
                try:
                    ledger.prepare(recipient.key, message_id)  # a full disk stops the run here, before sending
                except StorageError as exc:
                    result.unattempted = len(todo) - index
                    result.stopped = f"cannot record who has the digest: {exc}"
                    break
                outcome = sender.deliver(data, envelope_from, recipient.address)
                if outcome.accepted:
                    result.sent += 1
                    try:
                        ledger.record(recipient.key, message_id)
                    except StorageError as exc:  # the space was allocated: only a failing disk gets here
                        result.unattempted = len(todo) - index - 1
                        result.stopped = (f"the server accepted {recipient.address}, but the ledger could not "
                                          f"record it ({exc}); the next send will mail them again")
                        break
                    consecutive = 0
                    log.debug("%s: accepted", recipient.address)
                    continue
                failure = Failure(recipient.address, outcome)
                (result.rejected if outcome.permanent else result.deferred).append(failure)
                log.debug("%s", failure)  # in the result too, which the caller reports
                consecutive += 1
                if consecutive >= config.smtp.max_consecutive_failures:
                    result.unattempted = len(todo) - index - 1
                    result.stopped = (f"{consecutive} consecutive failures (smtp.max_consecutive_failures); "
                                      f"last: {failure}")
                    break
        finally:
            outbox.close()
    return result


def _test_send(config: Config, issue: Issue, now: datetime, result: SendResult, sender: Sender,
               compose: Compose, envelope_from: str, to: str) -> SendResult:
    """``--to``: one copy marked [TEST] to one address; the ledger is neither read nor written."""
    try:
        name, address = parse_line(to.strip())
    except ValueError as exc:
        raise UsageError(f"--to: {exc}") from None
    recipient = Recipient(address, name)
    message = compose(config, issue, recipient.formatted, now=now, test=True)
    data = wire_bytes(message, config)
    result.recipients = result.pending = 1
    result.size = len(data)
    result.subject = str(message["Subject"])
    if result.dry_run:
        return result
    outcome = sender.deliver(data, envelope_from, recipient.address)
    if outcome.accepted:
        result.sent = 1
    else:
        (result.rejected if outcome.permanent else result.deferred).append(Failure(address, outcome))
    return result


def _envelope_from(config: Config) -> str:
    """The bare address of ``digest.from``, checked before anything is built or sent."""
    return parse_mailbox(sender_of(config))[1]

