"""``feeder subscribers``: the list, by hand — list, add, remove, import, export, show, forget."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from feeder.cli.site import Output, site_command

if TYPE_CHECKING:
    from feeder.config import Config
    from feeder.mail.sqlite_store import SqliteStore

STATUSES = ("pending", "active", "unsubscribed", "bounced", "complained")


@contextlib.contextmanager
def _store(config: Config) -> Iterator[SqliteStore]:
    from feeder.mail.sqlite_store import open_store

    store = open_store(config.state_dir)
    try:
        yield store
    finally:
        store.close()


@click.group(epilog="""
\b
Examples:
  feeder subscribers list --status active
  feeder subscribers add ann@example.com --name "Ann Lee" --consent "asked at the meetup, 2025-12-01"
  feeder subscribers import recipients.txt       # the old list: everyone in it becomes active
  feeder subscribers import old-tool-export.csv  # unsubscribed/bounced rows stay suppressed
  feeder subscribers export --out list.csv
  feeder subscribers remove ann@example.com      # unsubscribed: never mailed, never re-imported
  feeder subscribers forget ann@example.com      # GDPR erasure: only a hash is kept
The list lives in <state_dir>/subscribers.sqlite3.
""")
def subscribers() -> None:
    """The subscriber list: who gets the digest, with their consent and history."""


@subscribers.command("list", epilog="""
\b
Examples:
  feeder subscribers list                        # address, status, name, one a line (tab-separated)
  feeder subscribers list --status bounced
  feeder subscribers list --count
""")
@site_command
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
@click.option("--count", is_flag=True, help="Print how many there are of each status instead.")
def list_command(config: Config, now: datetime, ui: Output, status: str | None, count: bool) -> int:
    """Print the subscribers (streamed: fine for 100,000), or how many of each status."""
    from feeder.mail.subscribers import Status

    with _store(config) as store:
        if count:
            for state, number in store.counts().items():
                click.echo(f"{state.value}\t{number}")
            return 0
        for s in store.iterate(Status(status) if status else None):
            click.echo(f"{s.address}\t{s.status.value}\t{s.name}")
    return 0


@subscribers.command(epilog="""
\b
Examples:
  feeder subscribers add ann@example.com
  feeder subscribers add "Ann Lee <ann@example.com>" bob@example.com --consent "signed up on paper"
  feeder subscribers add ann@example.com --reactivate --consent "asked again by email, 2025-12-03"
""")
@site_command
@click.argument("addresses", nargs=-1, required=True, metavar="ADDRESS...")
@click.option("--name", default="", help="The display name (or write 'Name <address>').")
@click.option("--consent", default="", metavar="TEXT", help="How this person agreed, kept as their consent record.")
@click.option("--reactivate", is_flag=True,
              help="Make an unsubscribed, bounced, complained or forgotten address active again (only with "
                   "the person's new consent).")
def add(config: Config, now: datetime, ui: Output, addresses: tuple[str, ...], name: str, consent: str,
        reactivate: bool) -> int:
    """Add ADDRESS... as active subscribers (source: cli)."""
    from feeder.errors import SubscriberError
    from feeder.mail.recipients import parse_line
    from feeder.mail.subscribers import Consent, Source

    failed = 0
    with _store(config) as store:
        for value in addresses:
            try:
                given, address = parse_line(value.strip())
                record = Consent(now, text=consent) if consent else None
                s = store.add(address, name or given, now=now, source=Source.CLI, consent=record,
                              reactivate=reactivate)
            except (ValueError, SubscriberError) as exc:
                ui.problem(f"{value}: {exc}" if isinstance(exc, ValueError) else str(exc))
                failed += 1
                continue
            ui.say(f"{s.address}: {s.status.value}")
    return 1 if failed else 0


@subscribers.command(epilog="""
\b
Examples:
  feeder subscribers remove ann@example.com bob@example.com
""")
@site_command
@click.argument("addresses", nargs=-1, required=True, metavar="ADDRESS...")
def remove(config: Config, now: datetime, ui: Output, addresses: tuple[str, ...]) -> int:
    """Unsubscribe ADDRESS... (kept as unsubscribed, so no import adds them again)."""
    missing = 0
    with _store(config) as store:
        for address in addresses:
            found = store.get(address)
            if found is None:
                ui.problem(f"{address}: not on the list")
                missing += 1
                continue
            store.unsubscribe(found.id, now, "feeder subscribers remove")
            ui.say(f"{found.address}: unsubscribed")
    return 1 if missing else 0


@subscribers.command("import", epilog="""
\b
Examples:
  feeder subscribers import recipients.txt       # 'Name <address>' or 'address' a line, # comments
  feeder subscribers import list.csv             # header: address,name,status,consent_at,... (as export writes)
  feeder subscribers import list.csv -v          # also each refused address, with its line and reason
""")
@site_command
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def import_command(config: Config, now: datetime, ui: Output, path: Path) -> int:
    """Import a recipients file or a CSV export, in one transaction; nobody is ever re-activated.

    Exit 1 when some lines could not be read (each is printed with its number; the rest is imported).
    """
    from feeder.mail.list_files import import_list

    with _store(config) as store:
        report = import_list(store, path, now)
    for line, message in report.problems:
        ui.problem(f"{path}:{line}: {message}")
    for line, address, reason in report.refused:
        ui.detail(f"{path}:{line}: {address} refused: {reason}")
    ui.say(f"{path}: added {report.added}, kept {report.kept} already on the list, "
           f"marked {report.suppressed} as the file says, refused {len(report.refused)} "
           f"(unsubscribed, bounced, complained or forgotten; -v lists them), {len(report.problems)} not read")
    return 1 if report.problems else 0


@subscribers.command(epilog="""
\b
Examples:
  feeder subscribers export > list.csv
  feeder subscribers export --status active --out active.csv
""")
@site_command
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (default: stdout).")
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
def export(config: Config, now: datetime, ui: Output, out: Path | None, status: str | None) -> int:
    """Write the list as CSV with status and consent columns (what import reads back)."""
    from feeder.atomic import write_atomic
    from feeder.mail.list_files import write_csv
    from feeder.mail.subscribers import Status

    with _store(config) as store:
        rows = store.iterate(Status(status) if status else None)
        if out is None:
            write_csv(rows, sys.stdout)
            return 0
        text = io.StringIO()
        count = write_csv(rows, text)
    write_atomic(out, text.getvalue().encode("utf-8"), mode=0o600)  # personal data: readable by its owner only
    ui.say(f"{out}: {count} subscribers")
    return 0


@subscribers.command(epilog="""
\b
Examples:
  feeder subscribers show ann@example.com        # status, consent and the whole history
""")
@site_command
@click.argument("address")
def show(config: Config, now: datetime, ui: Output, address: str) -> int:
    """Print everything kept about ADDRESS: status, consent record and history (a GDPR access request)."""
    with _store(config) as store:
        s = store.get(address)
        if s is None:
            ui.problem(f"{address}: not on the list" + (" (forgotten)" if store.is_forgotten(address) else ""))
            return 1
        click.echo(f"{s.address}\t{s.status.value}\tname: {s.name or '-'}\tsource: {s.source.value}\t"
                   f"created: {s.created.isoformat()}")
        if s.consent:
            c = s.consent
            click.echo(f"consent\t{c.at.isoformat()}\tip: {c.ip or '-'}\tpage: {c.page or '-'}\t"
                       f"agent: {c.user_agent or '-'}\ttext: {c.text or '-'}")
        for event in store.events(s.id):
            click.echo(f"{event.at.isoformat()}\t{event.kind}\t{event.detail}")
    return 0


@subscribers.command(epilog="""
\b
Examples:
  feeder subscribers forget ann@example.com
""")
@site_command
@click.argument("address")
def forget(config: Config, now: datetime, ui: Output, address: str) -> int:
    """Erase ADDRESS's data (GDPR); keep only a keyed hash so that no later import mails them again.

    The subscriber, their consent and history go, and so do the lines naming them in the
    send journals (<state_dir>/sent/).
    """
    from feeder.mail.erasure import forget as erase

    with _store(config) as store:
        erased = erase(config, store, address, now)
    what = "erased" if erased.known else "was not on the list"
    ui.say(f"{address}: {what}; {erased.journal_lines} line(s) removed from the send journals; a hash of the "
           "address is kept so that no import adds it again")
    return 0
