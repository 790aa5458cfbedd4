"""``feeder bounces``: what the reports in a mailbox do to the subscriber list.

Each :class:`~feeder.mail.bounces.Finding` is matched to a subscriber — by the
addresses the report names (the original recipient first), or, for a feedback
report whose recipient the provider redacted, by the signed token in the
returned message's unsubscribe link — and then:

* a bounce (5.x.x) makes an ``active`` or ``pending`` subscriber ``bounced``;
  one who already left (unsubscribed, complained) stays as they are;
* a complaint makes anyone not yet ``complained`` so, whatever they were:
  a person who reports the digest as spam must never get it again;
* a soft bounce (4.x.x, given up) counts one week towards
  ``digest.soft_bounce_weeks`` weeks in a row, as a deferral at send time does;
* a delay warning, or a report of another kind, changes nothing.

Every change is an event in the subscriber's history naming the report (its
file or position in the mailbox and its Message-ID).  Running it again over
the same mailbox changes nothing more: marking is idempotent, and a soft bounce
counts once per week.  Messages are read and applied one at a time, so a
mailbox of any size takes little memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feeder.mail.bounces import Finding, Report, read_mailbox, read_report
from feeder.mail.send_result import Level
from feeder.mail.subscribers import SUPPRESSED, Status, Subscriber, SubscriberStore

log = logging.getLogger(__name__)
SubscriberOf = Callable[[str], int | None]  # an unsubscribe URL → the subscriber id its token names, or None


@dataclass(frozen=True)
class Match:
    """One finding and what it did."""

    report: Report
    finding: Finding
    address: str  # the subscriber's address, or the first the report names when nobody matched
    outcome: str  # what happened, for a person: "bounced (was active)", "not on the list", ...
    changed: bool = False

    def __str__(self) -> str:
        what = " ".join(filter(None, (self.finding.kind, self.finding.status)))
        return f"{self.report.source}: {self.address}: {what}: {self.outcome}"


@dataclass
class BouncesResult:
    path: Path
    messages: int = 0
    matches: list[Match] = field(default_factory=list)
    unreadable: list[Report] = field(default_factory=list)

    def count(self, outcome_start: str) -> int:
        return sum(1 for m in self.matches if m.changed and m.outcome.startswith(outcome_start))

    def report(self) -> Iterator[tuple[Level, str]]:
        """A summary line; with -v each match and each message that said nothing usable."""
        for match in self.matches:
            yield "detail", str(match)
        for report in self.unreadable:
            yield "detail", f"{report.source}: not matched: {report.unreadable}" + (
                f" ({report.message_id})" if report.message_id else "")
        unmatched = sum(1 for m in self.matches if m.outcome == "not on the list")
        yield "say", (f"{self.path}: {self.messages} messages; {self.count('bounced')} marked bounced, "
                      f"{self.count('complained')} complained, {self.count('soft bounce')} soft bounces; "
                      f"{unmatched} addresses not on the list, {len(self.unreadable)} messages not understood"
                      + (" (-v lists them)" if unmatched or self.unreadable else ""))


def process_bounces(store: SubscriberStore, path: Path, now: datetime, *, soft_limit: int,
                    subscriber_of: SubscriberOf | None = None) -> BouncesResult:
    """Read every message of the Maildir or mbox at *path* and mark the subscribers it reports.

    *subscriber_of* reads a subscriber id from an unsubscribe URL (the CLI makes it from the
    signing keys); without it, a report must name the address.
    """
    result = BouncesResult(path)
    for source, data in read_mailbox(path):
        result.messages += 1
        report = read_report(source, data)
        if not report.findings:
            result.unreadable.append(report)
            log.info("%s: %s", source, report.unreadable)
            continue
        for finding in report.findings:
            match = _apply(store, path, report, finding, now, soft_limit, subscriber_of)
            log.info("%s", match)
            result.matches.append(match)
    return result


def _apply(store: SubscriberStore, path: Path, report: Report, finding: Finding, now: datetime, soft_limit: int,
           subscriber_of: SubscriberOf | None) -> Match:
    subscriber = _subscriber(store, finding, subscriber_of)
    named = finding.addresses[0] if finding.addresses else "(recipient not named)"
    if subscriber is None:
        return Match(report, finding, named, "not on the list")
    was = subscriber.status
    detail = (f"{finding.kind} {finding.status}: {finding.detail}".replace("  ", " ")
              + f" (report {report.message_id or 'without a Message-ID'}, {path.name} {report.source})")
    if finding.kind == "bounced":
        if was in SUPPRESSED:
            return Match(report, finding, subscriber.address, f"left {was.value}")
        after = store.mark(subscriber.id, Status.BOUNCED, now, detail)
        return _done(report, finding, subscriber, after, f"bounced (was {was.value})")
    if finding.kind == "complained":
        if was == Status.COMPLAINED:
            return Match(report, finding, subscriber.address, "already complained")
        after = store.mark(subscriber.id, Status.COMPLAINED, now, detail)
        return _done(report, finding, subscriber, after, f"complained (was {was.value})")
    if finding.kind == "soft":
        if was != Status.ACTIVE or finding.week is None:
            why = "no digest week in the returned message" if finding.week is None else f"is {was.value}"
            return Match(report, finding, subscriber.address, f"no change ({why})")
        after = store.soft_bounce(subscriber.id, finding.week, now, soft_limit, detail)
        if after is not None and after.status == Status.BOUNCED:
            return _done(report, finding, subscriber, after, f"bounced ({finding.week}: {soft_limit} weeks of 4xx)")
        changed = after is not None and after.soft_bounces != subscriber.soft_bounces
        counted = after.soft_bounces if after is not None else 0
        return Match(report, finding, subscriber.address,
                     f"soft bounce {counted} of {soft_limit} ({finding.week})" if changed
                     else f"no change ({finding.week} already counted)", changed)
    return Match(report, finding, subscriber.address, "no change (a warning only)" if finding.kind == "delayed"
                 else f"no change ({finding.status or 'not a failure'})")


def _done(report: Report, finding: Finding, before: Subscriber, after: Subscriber | None, outcome: str) -> Match:
    if after is None:  # forgotten between the lookup and the mark
        return Match(report, finding, before.address, "not on the list")
    return Match(report, finding, after.address, outcome, after.status != before.status)


def _subscriber(store: SubscriberStore, finding: Finding, subscriber_of: SubscriberOf | None) -> Subscriber | None:
    """The subscriber the finding is about: by address (original recipient first), else by the link's token."""
    for address in finding.addresses:
        subscriber = store.get(address)
        if subscriber is not None:
            return subscriber
    if finding.unsubscribe_url and subscriber_of is not None:
        subscriber_id = subscriber_of(finding.unsubscribe_url)
        if subscriber_id is not None:
            return store.get_by_id(subscriber_id)
    return None
