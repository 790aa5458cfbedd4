"""Subscriber lists as files: ``feeder subscribers import`` reads them, ``export`` writes them.

Two formats come in:

* the recipients file of the old setup (``digest.recipients``): one ``address`` or
  ``Name <address>`` a line, ``#`` comments (:mod:`feeder.mail.recipients` reads it);
  every address is imported active, the file itself being the consent record;
* CSV with a header row, as :func:`write_csv` writes it: ``address`` (or ``email``)
  is required; ``name``, ``status`` and the consent columns are optional, so a list
  exported from another tool imports with its unsubscribed and bounced addresses
  kept suppressed.

A line that cannot be read is a problem with its line number, and the rest is
imported.  The store decides what each address may do (see
:meth:`~feeder.mail.sqlite_store.SqliteStore.import_many`): no import re-activates anybody.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from feeder.addresses import shown
from feeder.errors import UsageError
from feeder.mail.recipients import parse_recipients, read_address_file
from feeder.mail.subscribers import Candidate, Consent, ImportReport, Status, Subscriber, SubscriberStore

COLUMNS = ("address", "name", "status", "source", "created", "updated", "consent_at", "consent_ip",
           "consent_user_agent", "consent_page", "consent_text")
_KNOWN = frozenset(COLUMNS) | {"email"}
_FORMULA = "=+-@\t\r"  # what a spreadsheet reads as the start of a formula


@dataclass
class ListFile:
    """What a file holds: the addresses to import, and the lines that could not be read."""

    candidates: list[Candidate] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    kind: str = "recipients"  # or "csv"


def read_list(path: Path) -> ListFile:
    """The file at *path*, CSV (by a ``.csv`` name or a header naming ``address``/``email``) or a recipients file."""
    text = read_address_file(path, UsageError)
    first = text.lstrip().partition("\n")[0].lower()
    if path.suffix.lower() == ".csv" or (first.startswith(("address", "email", '"address', '"email')) and "," in first):
        return _read_csv(text, path)
    parsed = parse_recipients(text, path)
    found = ListFile([Candidate(r.address, r.name, line=r.line) for r in parsed.recipients])
    found.problems = [(p.line, p.message) for p in parsed.problems]
    found.problems += [(line, f"{address} is a duplicate of line {first_line}; imported once")
                       for line, first_line, address in parsed.duplicates]
    return found


def _read_csv(text: str, path: Path) -> ListFile:
    found = ListFile(kind="csv")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or ()]
    if "address" not in header and "email" not in header:
        raise UsageError(f"{path}:1: a CSV list needs a header row with an 'address' (or 'email') column; "
                         f"found {', '.join(map(repr, header)) or 'nothing'}")
    unknown = [name for name in header if name not in _KNOWN]
    if unknown:
        found.problems.append((1, f"columns ignored: {', '.join(map(repr, unknown))} (known: {', '.join(COLUMNS)})"))
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        try:
            found.candidates.append(_candidate(row, line))
        except ValueError as exc:
            found.problems.append((line, str(exc)))
    return found


def _candidate(row: dict[str, str | None], line: int) -> Candidate:
    def cell(name: str) -> str:
        value = (row.get(name) or "").strip()
        return value[1:] if value[:1] == "'" and value[1:2] and value[1:2] in _FORMULA else value  # as _safe wrote it

    address = cell("address") or cell("email")
    if not address:
        raise ValueError("no address in this row")
    status_text = cell("status").lower() or Status.ACTIVE.value
    try:
        status = Status(status_text)
    except ValueError:
        raise ValueError(f"status {shown(status_text)}: must be one of {', '.join(s.value for s in Status)}") from None
    consent = None
    if cell("consent_at"):
        try:
            at = datetime.fromisoformat(cell("consent_at").replace("Z", "+00:00"))
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            raise ValueError(f"consent_at {shown(cell('consent_at'))}: must be an ISO 8601 time with an offset, "
                             "such as 2025-12-01T09:00:00+00:00")
        consent = Consent(at, cell("consent_ip"), cell("consent_user_agent"), cell("consent_page"),
                          cell("consent_text"))
    return Candidate(address, cell("name"), status, consent, line)


def import_list(store: SubscriberStore, path: Path, now: datetime) -> ImportReport:
    """Import the file at *path* into *store* (one transaction); its unreadable lines join the report's problems."""
    found = read_list(path)
    report = store.import_many(found.candidates, now=now)
    report.problems = sorted(found.problems + report.problems)
    return report


def write_csv(subscribers: Iterator[Subscriber], out: TextIO) -> int:
    """Every subscriber of *subscribers* as a CSV row (header first), streamed; how many were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for s in subscribers:
        c = s.consent
        writer.writerow([_safe(v) for v in (
            s.address, s.name, s.status.value, s.source.value, s.created.isoformat(), s.updated.isoformat(),
            c.at.isoformat() if c else "", c.ip if c else "", c.user_agent if c else "", c.page if c else "",
            c.text if c else "")])
        count += 1
    return count


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): a leading = + - @ gets a quote mark."""
    return "'" + value if value[:1] and value[:1] in _FORMULA else value
