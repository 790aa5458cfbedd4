"""``feeder send``: one week's digest to every active subscriber, exactly once, even across crashes.

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

Who gets a week is the subscriber store's answer (see :mod:`feeder.mail.subscribers`):
the subscribers active when the week is first sent (its *audience*, fixed then),
less those who have left since.  A site that still names ``digest.recipients``
keeps working: each send first imports that file (an address listed there is the
consent record of the old setup), never re-activating anyone who unsubscribed,
bounced, complained or was forgotten, and unsubscribing an address whose line was
deleted, as deleting it used to mean.  Each message carries its recipient's own
signed unsubscribe link, ``{serve.public_url}unsubscribe/TOKEN``.

A ``5xx`` at RCPT marks the address bounced (never mailed again); a ``4xx`` that
outlives the retries leaves the week unfinished and counts one soft bounce for
that week, ``digest.soft_bounce_weeks`` of them in a row making a bounce.  An
unfinished week is never lost: every ``feeder send`` first finishes the earlier
weeks that are not complete, oldest first, then the one asked for.

Only a week that is over is sent (``--force`` overrides, ``--to`` proofs are
always allowed).  Before the first message the issue's web version, which every
message links to, is written to ``<output_dir>/digests/``.  Messages are built a
bounded window ahead of the sender (see :mod:`feeder.mail.outbox`), so memory does
not grow with the list.  After ``smtp.max_consecutive_failures`` failures in a row
the run stops — the next run picks up where it ended.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from feeder.addresses import parse_mailbox
from feeder.config import Config
from feeder.digest.files import write_web_version
from feeder.digest.issue import Issue, build_issue
from feeder.digest.message import build_message, sender_of
from feeder.digest.weeks import iso_week_bounds, resolve
from feeder.errors import NothingUsable, StorageError, UsageError
from feeder.mail.dkim import Signer
from feeder.mail.ledger import Ledger, open_ledger, read_ledger
from feeder.mail.outbox import Compose, Job, messages, wire_bytes
from feeder.mail.recipients import Recipient, load_recipients, parse_line
from feeder.mail.send_result import Failure, SendResult, SendRun
from feeder.mail.smtp import Outcome
from feeder.mail.subscribers import Candidate, Source, Status, SubscriberStore
from feeder.mail.tokens import Tokens

log = logging.getLogger(__name__)


class Sender(Protocol):
    def deliver(self, message: EmailMessage | bytes, envelope_from: str, recipient: str) -> Outcome: ...


def send(config: Config, now: datetime, *, sender: Sender, store: SubscriberStore, tokens: Tokens | None,
         week: str | None = None, dry_run: bool = False, to: str | None = None, force: bool = False,
         wait: float = 0.0, workers: int = 1, compose: Compose = build_message) -> SendRun:
    """Send the digest of *week* (default: the last complete week before *now*), after any unfinished earlier week.

    A week that has not ended by *now* is refused (a :class:`UsageError`, also for a dry run)
    unless *force*; a test send (*to*) may proof it any time and touches neither store nor ledger.
    *tokens* sign the unsubscribe links (required when ``serve.public_url`` is set).  Long lists
    are built on up to *workers* forked processes: more than one only from a caller that runs no
    other thread.  A dry run does everything but send, in a store transaction it rolls back.
    """
    label = resolve(week, now, config)  # a UsageError for a bad label, before anything else
    end = iso_week_bounds(label, config)[1]
    if end > now and to is None and not force:
        raise UsageError(f"--week {label}: the week is not over until {end.isoformat()}; sending it now would "
                         "mark it sent without the posts still to come (send it then, proof it with --to, "
                         "or --force to send it incomplete)")
    envelope_from = _envelope_from(config)
    if config.serve.public_url is not None and tokens is None:
        raise UsageError("serve.public_url is set, so every message needs a signed unsubscribe link: pass the keys")
    run = SendRun()
    if to is not None:
        run.weeks.append(_test_send(config, build_issue(config, now, label), now, SendResult(label, dry_run=dry_run,
                                    test_to=to), sender, compose, envelope_from, to))
        return run
    with store.rehearsal() if dry_run else contextlib.nullcontext():
        _import_recipients(config, store, now, run)
        for earlier in [w for w in store.unfinished_weeks() if w < label]:
            try:
                issue = build_issue(config, now, earlier)
            except NothingUsable as exc:  # its posts are broken now: report it, and do not hold up later weeks
                run.weeks.append(SendResult(earlier, dry_run=dry_run, earlier=True, post_problems=exc.problems,
                                            unbuilt=str(exc)))
                continue
            result = send_issue(config, issue, now, week=earlier, sender=sender, store=store, tokens=tokens,
                                compose=compose, dry_run=dry_run, wait=wait, workers=workers, earlier=True)
            run.weeks.append(result)
            if result.stopped:  # the server is not working: the week asked for waits for the next run
                return run
        run.weeks.append(send_issue(config, build_issue(config, now, label), now, week=label, sender=sender,
                                    store=store, tokens=tokens, compose=compose, dry_run=dry_run, force=force,
                                    wait=wait, workers=workers))
    return run


def _import_recipients(config: Config, store: SubscriberStore, now: datetime, run: SendRun) -> None:
    """digest.recipients, if set, into the store: new addresses active, deleted lines unsubscribed."""
    path = config.digest.recipients
    if path is None:
        return
    listed = load_recipients(path)
    run.recipients_file, run.problems, run.duplicates = path, listed.problems, listed.duplicates
    run.imported = store.import_many((Candidate(r.address, r.name, line=r.line) for r in listed.recipients),
                                     now=now, source=Source.IMPORT, sync=str(path))


def send_issue(config: Config, issue: Issue | None, now: datetime, *, week: str, sender: Sender,
               store: SubscriberStore, tokens: Tokens | None, compose: Compose = build_message,
               dry_run: bool = False, force: bool = False, wait: float = 0.0, workers: int = 1,
               earlier: bool = False) -> SendResult:
    """Deliver an already built *issue* (``None``: an empty week) to *week*'s audience in the store."""
    result = SendResult(week, dry_run=dry_run, earlier=earlier)
    if issue is None:
        result.empty = True
        store.finish_week(week, now)  # nothing to finish (a week whose posts were all unpublished since)
        return result
    result.subject, result.warnings, result.post_problems = issue.subject, issue.warnings, list(issue.problems)
    envelope_from = _envelope_from(config)
    signer = _signer(config, now)  # the DKIM key loaded once, for every message
    if dry_run:
        state = read_ledger(config.state_dir, week)
        store.open_week(week, now, again=force)
        todo, _soft = _todo(config, store, tokens, week, set() if force else state.sent)
        result.recipients = store.audience_size(week)
        result.already, result.pending, result.round = result.recipients - len(todo), len(todo), state.round
        if todo:
            message = compose(config, issue, todo[0].formatted, now=now, unsubscribe_url=todo[0].unsubscribe_url)
            result.size = len(wire_bytes(message, signer))
        return result

    result.web_version = write_web_version(config, issue)  # before any message links to it
    with open_ledger(config.state_dir, week, wait) as ledger:
        if force:
            ledger.start_round(now)
        store.open_week(week, now, again=force)
        result.round = ledger.state.round
        todo, soft = _todo(config, store, tokens, week, ledger.sent)
        result.recipients = store.audience_size(week)
        result.already, result.pending = result.recipients - len(todo), len(todo)
        log.info("%s: %d recipients, %d already sent, %d to send", week, result.recipients, result.already, len(todo))
        job = Job(config, issue, now, week, ledger.state.round, envelope_from, compose, signer)
        _deliver(config, job, todo, soft, ledger, store, sender, result, workers)
    if not (result.deferred or result.stopped):
        store.finish_week(week, now)
    return result


def _todo(config: Config, store: SubscriberStore, tokens: Tokens | None, week: str,
          sent: set[str]) -> tuple[list[Recipient], set[int]]:
    """The week's audience not in the ledger, each with their own unsubscribe link; the ids with soft bounces."""
    base = config.serve.public_url
    todo, soft = [], set()
    for s in store.audience(week):
        if s.key in sent:
            continue
        todo.append(Recipient(s.address, s.name, 0, s.id,
                              f"{base}unsubscribe/{tokens.unsubscribe_token(s.id)}" if base and tokens else None))
        if s.soft_bounces:
            soft.add(s.id)  # only their deliveries need a write to the store (to start the count again)
    return todo, soft


def _deliver(config: Config, job: Job, todo: list[Recipient], soft: set[int], ledger: Ledger,
             store: SubscriberStore, sender: Sender, result: SendResult, workers: int) -> None:
    """Send *todo* in order, recording each acceptance in the ledger and each refusal in the store."""
    outbox = messages(job, todo, workers)
    consecutive = 0
    try:
        for index, (recipient, message_id, data) in enumerate(outbox):
            if _left(store, recipient.subscriber_id):  # unsubscribed (feeder serve) since the list was read
                result.left += 1
                continue
            try:
                ledger.prepare(recipient.key, message_id)  # a full disk stops the run here, before sending
            except StorageError as exc:
                result.unattempted = len(todo) - index
                result.stopped = f"cannot record who has the digest: {exc}"
                break
            outcome = sender.deliver(data, job.envelope_from, recipient.address)
            if outcome.accepted:
                result.sent += 1
                try:
                    ledger.record(recipient.key, message_id)
                except StorageError as exc:  # the space was allocated: only a failing disk gets here
                    result.unattempted = len(todo) - index - 1
                    result.stopped = (f"the server accepted {recipient.address}, but the ledger could not "
                                      f"record it ({exc}); the next send will mail them again")
                    break
                if recipient.subscriber_id in soft:
                    store.delivered(recipient.subscriber_id)
                consecutive = 0
                continue
            failure = _refused(config, store, job, recipient, outcome)
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


def _left(store: SubscriberStore, subscriber_id: int) -> bool:
    """Has this subscriber stopped being active since the run read the audience?

    A send to 10,000 takes half a minute; a reader who unsubscribes (one click in the
    previous digest, feeder serve) in that time must not get this one.  One read by
    primary key per message, about 20 µs against the 3 ms the message costs.
    """
    current = store.get_by_id(subscriber_id)
    return current is None or current.status != Status.ACTIVE


def _refused(config: Config, store: SubscriberStore, job: Job, recipient: Recipient, outcome: Outcome) -> Failure:
    """Record a refusal: a 5xx at RCPT is a bounce; a 4xx at RCPT one soft bounce for this week."""
    if not outcome.at_rcpt:  # the server refused the sender or the message: not this person's fault
        return Failure(recipient.address, outcome)
    detail = f"{job.week}: {outcome.code or ''} {outcome.reason}".strip()
    if outcome.permanent:
        store.mark(recipient.subscriber_id, Status.BOUNCED, job.now, detail)
        return Failure(recipient.address, outcome, "bounced")
    after = store.soft_bounce(recipient.subscriber_id, job.week, job.now, config.digest.soft_bounce_weeks, detail)
    return Failure(recipient.address, outcome, "bounced" if after and after.status == Status.BOUNCED else "")


def send_test(config: Config, issue: Issue | None, now: datetime, *, week: str, sender: Sender, to: str,
              compose: Compose = build_message, dry_run: bool = False) -> SendResult:
    """One ``[TEST]`` copy of an already built *issue* to *to* (``feeder send --to``, the preview's proof)."""
    return _test_send(config, issue, now, SendResult(week, dry_run=dry_run, test_to=to), sender, compose,
                      _envelope_from(config), to)


def _test_send(config: Config, issue: Issue | None, now: datetime, result: SendResult, sender: Sender,
               compose: Compose, envelope_from: str, to: str) -> SendResult:
    """``--to``: one copy marked [TEST] to one address; neither the ledger nor the store is read or written."""
    if issue is None:
        result.empty = True
        return result
    result.subject, result.warnings, result.post_problems = issue.subject, issue.warnings, list(issue.problems)
    try:
        name, address = parse_line(to.strip())
    except ValueError as exc:
        raise UsageError(f"--to: {exc}") from None
    recipient = Recipient(address, name)
    message = compose(config, issue, recipient.formatted, now=now, test=True)
    data = wire_bytes(message, _signer(config, now))
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


def _signer(config: Config, now: datetime) -> Signer | None:
    """``smtp.dkim``'s signer, dated *now*; None when the site does not sign."""
    return Signer(config.smtp.dkim, now) if config.smtp.dkim is not None else None


def _envelope_from(config: Config) -> str:
    """The bare address of ``digest.from``, checked before anything is built or sent."""
    return parse_mailbox(sender_of(config))[1]
