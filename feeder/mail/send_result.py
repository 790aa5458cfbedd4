"""What a ``feeder send`` did, for a person and the exit code: a :class:`SendResult` per week, in a :class:`SendRun`.

A run may send more than one week: an earlier week that some subscribers did not
get yet (deferred with a ``4xx``, or a run that stopped early) is finished first,
so each week has its own result, and the run adds what the import of
``digest.recipients`` did.  The library builds these; the CLI prints
:meth:`SendRun.report` and picks the exit code from :attr:`SendRun.incomplete`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from feeder.errors import PostError
from feeder.mail.recipients import RecipientProblem
from feeder.mail.smtp import Outcome
from feeder.mail.subscribers import ImportReport

Level = Literal["say", "detail", "problem"]  # a report line: the summary, shown with -v, always shown (stderr)


@dataclass(frozen=True)
class Failure:
    recipient: str
    outcome: Outcome
    marked: str = ""  # what the subscriber store now says: "bounced" (a 5xx, or a 4xx too many weeks in a row)

    def __str__(self) -> str:
        if not self.marked:
            return f"{self.recipient}: {self.outcome}"
        o = self.outcome
        said = o.reason if o.code is None or o.reason.startswith(str(o.code)) else f"{o.code} {o.reason}"
        kind = "rejected" if o.permanent else "deferred again (too many weeks in a row)"
        return f"{self.recipient}: {kind}: {said}; marked {self.marked}, not mailed again"


@dataclass
class SendResult:
    week: str
    subject: str = ""
    empty: bool = False  # no posts that week: nothing to send
    dry_run: bool = False
    test_to: str | None = None  # --to: a test send to this address
    earlier: bool = False  # an unfinished earlier week, finished before the one asked for
    recipients: int = 0  # the week's audience: subscribers active when it was first sent, still active
    already: int = 0  # of those, in the ledger before this run
    pending: int = 0  # to be sent by this run
    sent: int = 0
    left: int = 0  # unsubscribed (or bounced, or forgotten) while this run was sending: not mailed
    rejected: list[Failure] = field(default_factory=list)  # permanent (5xx): marked bounced
    deferred: list[Failure] = field(default_factory=list)  # transient, retries used up: the next send tries again
    stopped: str | None = None  # why the run stopped early
    unbuilt: str | None = None  # an unfinished earlier week whose issue cannot be built now: why
    unattempted: int = 0
    size: int = 0  # bytes of one message, for --dry-run
    round: int = 0  # --force rounds so far
    web_version: Path | None = None  # the page the messages link to, written before sending
    post_problems: list[PostError] = field(default_factory=list)  # posts of the week left out of the issue
    warnings: tuple[str, ...] = ()  # the (no unsubscribe URL, cut to fit): the send goes ahead

    @property
    def incomplete(self) -> bool:
        """Someone in the audience did not get it (refused, to retry, not attempted)."""
        return bool(self.rejected or self.deferred or self.stopped or self.unbuilt)

    def report(self) -> Iterator[tuple[Level, str]]:
        """What this week's send did: ("say" | "detail" | "problem", text) pairs; the CLI prints them."""
        for post in self.post_problems:
            yield "problem", str(post)
        for warning in self.warnings:
            yield "problem", f"warning: {warning}"
        if self.unbuilt:
            yield "problem", (f"{self.week} is not finished and cannot be sent now: {self.unbuilt}; fix its posts, "
                              "and the next feeder send finishes it")
            return
        if self.empty:
            yield "say", f"{self.week}: no posts that week; nothing to send"
            return
        if self.dry_run:
            target = f"test copy to {self.test_to}" if self.test_to else \
                f"{self.pending} of {self.recipients} recipients ({self.already} already sent)"
            lead = "unfinished earlier week " if self.earlier else ""
            yield "say", (f"dry run, {lead}{self.week}: would send {target}; subject: {self.subject}; "
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
        if self.earlier:
            yield "say", f"{self.week} was not finished: sending it first, to the {self.pending} who do not have it"
        if not self.recipients:
            yield "say", f"{self.week}: no active subscribers; nothing sent (feeder subscribers list)"
            return
        if not self.pending:
            yield "say", (f"{self.week}: already sent to all {self.recipients} recipients; nothing to do "
                          "(--force sends again)")
            return
        left = f", {self.left} unsubscribed during the send" if self.left else ""
        yield "say", (f"{self.week}: sent {self.sent} of {self.pending} ({self.already} already had it, "
                      f"{len(self.rejected)} rejected, {len(self.deferred)} to retry{left})")
        if self.stopped:
            yield "problem", (f"stopped early: {self.stopped}; {self.unattempted} not attempted, "
                              "run feeder send again to resume")


@dataclass
class SendRun:
    """One ``feeder send``: the import of digest.recipients, then each week it sent, oldest first."""

    weeks: list[SendResult] = field(default_factory=list)
    recipients_file: Path | None = None  # digest.recipients, imported first
    imported: ImportReport | None = None
    problems: list[RecipientProblem] = field(default_factory=list)  # lines of that file that were skipped
    duplicates: list[tuple[int, int, str]] = field(default_factory=list)  # (line, first line, address) in it

    @property
    def result(self) -> SendResult:
        """The week asked for (the last one sent)."""
        return self.weeks[-1]

    @property
    def incomplete(self) -> bool:
        return bool(self.problems) or any(week.incomplete for week in self.weeks)

    @property
    def post_problems(self) -> list[PostError]:
        return [problem for week in self.weeks for problem in week.post_problems]

    @property
    def deferred(self) -> list[Failure]:
        return [failure for week in self.weeks for failure in week.deferred]

    @property
    def stopped(self) -> str | None:
        return next((week.stopped for week in self.weeks if week.stopped), None)

    def report(self) -> Iterator[tuple[Level, str]]:
        for problem in self.problems:
            yield "problem", str(problem)
        for line, first, address in self.duplicates:
            yield "detail", f"line {line}: {address} is a duplicate of line {first}; sent once"
        if self.imported is not None and self.recipients_file is not None:
            yield from _import_lines(self.imported, self.recipients_file)
        for week in self.weeks:
            yield from week.report()


def _import_lines(report: ImportReport, path: Path) -> Iterator[tuple[Level, str]]:
    """The recipients file's import: new and removed addresses shown with -v; suppressed lines always named."""
    for line, message in report.problems:  # duplicates (bad lines are RecipientProblems, reported above)
        yield "detail", f"{path}:{line}: {message}"
    for line, address, reason in report.refused:
        yield "detail", f"{path}:{line}: {address} is not mailed: {reason} (remove the line)"
    if report.added or report.unlisted or report.suppressed:
        yield "detail", (f"{path}: {report.added} new subscribers imported, {report.unlisted} no longer in the file "
                         f"unsubscribed, {report.suppressed} marked as the file says")
