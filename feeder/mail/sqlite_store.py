"""The subscriber list in SQLite: every write that changes a subscriber, one short transaction each.

See :mod:`feeder.mail.sqlite_db` for the database (WAL, busy timeout, durability) and
:mod:`feeder.mail.subscribers` for the rules (who is suppressed, what an import may do).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from feeder.addresses import address_key
from feeder.errors import SubscriberError
from feeder.mail.sqlite_db import Database, consent_row, stamp
from feeder.mail.subscribers import (
    SUPPRESSED,
    Candidate,
    Consent,
    ImportReport,
    Source,
    Status,
    Subscriber,
    clean_address,
    clean_name,
)

FILENAME = "subscribers.sqlite3"


class SqliteStore(Database):
    """:class:`~feeder.mail.subscribers.SubscriberStore` on one SQLite file; one connection, usable from threads."""

    def subscribe(self, address: str, name: str, *, now: datetime, consent: Consent,
                  source: Source = Source.FORM) -> Subscriber:
        address, name = clean_address(address), clean_name(name)
        with self.transaction() as db:
            old = self.get(address)
            if old is None:
                db.execute("DELETE FROM forgotten WHERE hash = ?", (self.hash(address),))  # the person asks again
                new = self._insert(db, address, name, Status.PENDING, source, now, consent)
                self._event(db, new, now, "subscribed", f"via {source.value}, consent from {consent.ip or '?'}")
            elif old.status in SUPPRESSED:
                self._consent(db, old.id, consent)
                self._status(db, old, Status.PENDING, now, "subscribed", f"again, after {old.status.value}")
            elif old.status == Status.PENDING:
                self._consent(db, old.id, consent)
                self._event(db, old.id, now, "subscribed", "again, still pending")
            found = self.get(address)
        assert found is not None
        return found

    def add(self, address: str, name: str = "", *, now: datetime, source: Source = Source.CLI,
            status: Status = Status.ACTIVE, consent: Consent | None = None, reactivate: bool = False) -> Subscriber:
        address, name = clean_address(address), clean_name(name)
        with self.transaction() as db:
            old = self.get(address)
            if old is None:
                if self.is_forgotten(address) and not reactivate:
                    raise SubscriberError(f"{address}: was forgotten at the person's request; not added "
                                          "(--reactivate only with their new consent)")
                db.execute("DELETE FROM forgotten WHERE hash = ?", (self.hash(address),))
                new = self._insert(db, address, name, status, source, now, consent)
                self._event(db, new, now, "added", f"via {source.value}, {status.value}")
            elif old.status in SUPPRESSED and status not in SUPPRESSED:
                if not reactivate:
                    raise SubscriberError(f"{address}: is {old.status.value}; not re-activated "
                                          "(--reactivate only with the person's new consent)")
                if consent:
                    self._consent(db, old.id, consent)
                self._status(db, old, status, now, "reactivated", f"via {source.value}, was {old.status.value}")
            elif status in SUPPRESSED and old.status != status:
                self._status(db, old, status, now, status.value, f"via {source.value}")
            found = self.get(address)
        assert found is not None
        return found

    def confirm(self, subscriber_id: int, now: datetime, detail: str = "") -> Subscriber | None:
        """pending → active; any other status is left alone (an old link never undoes an unsubscribe)."""
        with self.transaction() as db:
            old = self.get_by_id(subscriber_id)
            if old is not None and old.status == Status.PENDING:
                self._status(db, old, Status.ACTIVE, now, "confirmed", detail)
        return self.get_by_id(subscriber_id)

    def unsubscribe(self, subscriber_id: int, now: datetime, detail: str = "") -> Subscriber | None:
        """Idempotent: a second request changes nothing and records nothing."""
        return self.mark(subscriber_id, Status.UNSUBSCRIBED, now, detail)

    def unsubscribe_many(self, requests: Sequence[tuple[int, datetime, str]]) -> list[Subscriber | None]:
        """Several unsubscribes, each ``(id, now, detail)``, in one transaction: one fsync for all of them.

        ``feeder serve`` gathers the one-click requests that arrive while a commit is on disk and
        writes them together (group commit); each is exactly what :meth:`unsubscribe` would do.
        """
        with self.transaction() as db:
            for subscriber_id, now, detail in requests:
                old = self.get_by_id(subscriber_id)
                if old is not None and old.status != Status.UNSUBSCRIBED:
                    self._status(db, old, Status.UNSUBSCRIBED, now, Status.UNSUBSCRIBED.value, detail)
        return [self.get_by_id(subscriber_id) for subscriber_id, _, _ in requests]

    def mark(self, subscriber_id: int, status: Status, now: datetime, detail: str = "") -> Subscriber | None:
        """Set a suppressed status (unsubscribed, bounced, complained); a no-op when already so."""
        if status not in SUPPRESSED:
            raise ValueError(f"mark() sets a suppressed status, not {status}")
        with self.transaction() as db:
            old = self.get_by_id(subscriber_id)
            if old is not None and old.status != status:
                self._status(db, old, status, now, status.value, detail)
        return self.get_by_id(subscriber_id)

    def soft_bounce(self, subscriber_id: int, week: str, now: datetime, limit: int,
                    detail: str = "") -> Subscriber | None:
        """A 4xx that outlived the retries in *week*: counted once a week; *limit* weeks in a row → bounced."""
        with self.transaction() as db:
            row = db.execute("SELECT soft_bounces, soft_bounce_week, status FROM subscribers WHERE id = ?",
                             (subscriber_id,)).fetchone()
            if row is not None and row[1] != week and row[2] == Status.ACTIVE:
                count = row[0] + 1
                db.execute("UPDATE subscribers SET soft_bounces = ?, soft_bounce_week = ?, updated = ? WHERE id = ?",
                           (count, week, stamp(now), subscriber_id))
                self._event(db, subscriber_id, now, "soft-bounce", f"{week} ({count} of {limit}): {detail}")
                if count >= limit:
                    old = self.get_by_id(subscriber_id)
                    assert old is not None
                    self._status(db, old, Status.BOUNCED, now, "bounced",
                                 f"deferred (4xx) in {count} weeks in a row; last: {detail}")
        return self.get_by_id(subscriber_id)

    def delivered(self, subscriber_id: int) -> None:
        """A message was accepted: the soft-bounce count starts again (only written when there was one)."""
        with self.transaction() as db:
            db.execute("UPDATE subscribers SET soft_bounces = 0, soft_bounce_week = NULL "
                       "WHERE id = ? AND soft_bounces > 0", (subscriber_id,))

    def record_confirmation_sent(self, subscriber_id: int, now: datetime) -> None:
        with self.transaction() as db:
            db.execute("UPDATE subscribers SET confirmation_sent = ? WHERE id = ?", (stamp(now), subscriber_id))
            self._event(db, subscriber_id, now, "confirmation-sent")

    def forget(self, address: str, now: datetime) -> bool:
        """Erase the person (row, consent, history, week lists); keep only the hash. False if unknown."""
        with self._lock:
            self._db.execute("PRAGMA secure_delete=ON")  # zeros over what is deleted (slows bulk writes: only here)
        try:
            with self.transaction() as db:
                old = self.get(address)
                db.execute("INSERT OR IGNORE INTO forgotten VALUES (?, ?)", (self.hash(address), stamp(now)))
                if old is None:
                    return False
                for table, column in (("events", "subscriber_id"), ("audience", "subscriber_id"),
                                      ("subscribers", "id")):
                    db.execute(f"DELETE FROM {table} WHERE {column} = ?", (old.id,))
            with self._lock:  # the old pages stay in the write-ahead log until it is checkpointed
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            with self._lock:
                self._db.execute("PRAGMA secure_delete=OFF")
        return True


    def import_many(self, candidates: Iterable[Candidate], *, now: datetime, source: Source = Source.IMPORT,
                    sync: str | None = None) -> ImportReport:
        """Add every new address of *candidates* in one transaction (a crash commits all or nothing).

        Nobody is re-activated: an address that is unsubscribed, bounced, complained or
        forgotten is refused, with its line and the reason.  One already on the list is kept
        as it is, unless the file says it is unsubscribed/bounced/complained: then it becomes
        so (suppression travels from the old system).  *sync* (the path of digest.recipients,
        for the history) makes the file the list it was before the store: its addresses are
        marked as listed there, and an active one listed before and gone from the file now is
        unsubscribed, as deleting its line used to do.
        """
        report = ImportReport()
        at = stamp(now)
        with self.transaction() as db:
            existing = {key: (id_, Status(status), listed) for key, id_, status, listed in
                        db.execute("SELECT key, id, status, listed FROM subscribers")}
            forgotten = {row[0] for row in db.execute("SELECT hash FROM forgotten")}
            first = db.execute("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'subscribers'")
            after = max(first.fetchone()[0], db.execute("SELECT coalesce(max(id), 0) FROM subscribers").fetchone()[0])
            seen: dict[str, int] = {}
            new: list[tuple[object, ...]] = []
            changed: list[tuple[int, Status, str]] = []
            for c in candidates:
                try:
                    address, name = clean_address(c.address), clean_name(c.name)
                except SubscriberError as exc:
                    report.problems.append((c.line, str(exc)))
                    continue
                key = address_key(address)
                if key in seen:
                    report.problems.append((c.line, f"{address} is a duplicate of line {seen[key]}; imported once"))
                    continue
                seen[key] = c.line
                if key in existing:
                    id_, status, _listed = existing[key]
                    if c.status in SUPPRESSED and status != c.status and status not in SUPPRESSED:
                        changed.append((id_, c.status, f"import{' of ' + sync if sync else ''}: the file says so"))
                        report.suppressed += 1
                    elif status in SUPPRESSED and c.status not in SUPPRESSED:
                        report.refused.append((c.line, address, f"{status.value}: an import never re-activates"))
                    else:
                        report.kept += 1
                    continue
                if forgotten and self.hash(address) in forgotten:
                    report.refused.append((c.line, address, "forgotten at the person's request (GDPR erasure)"))
                    continue
                new.append((key, address, name, c.status.value, source.value, at, at,
                             *consent_row(c.consent), int(sync is not None)))
            db.executemany(
                "INSERT INTO subscribers (key, address, name, status, source, created, updated, consent_at, "
                "consent_ip, consent_agent, consent_page, consent_text, listed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", new)
            report.added = len(new)
            detail = f"from {sync}" if sync else f"via {source.value}"
            db.execute("INSERT INTO events (subscriber_id, at, kind, detail) "
                       "SELECT id, ?, 'imported', ? || ', ' || status FROM subscribers WHERE id > ? ORDER BY id",
                       (at, detail, after))
            if sync is not None:
                gone = [(id_, Status.UNSUBSCRIBED, f"no longer in {sync}") for key, (id_, status, listed)
                        in existing.items() if listed and key not in seen and status in (Status.ACTIVE, Status.PENDING)]
                report.unlisted = len(gone)
                changed += gone
                db.executemany("UPDATE subscribers SET listed = 1 WHERE key = ? AND listed = 0",
                               [(key,) for key in seen if key in existing])
                db.executemany("UPDATE subscribers SET listed = 0 WHERE id = ?", [(id_,) for id_, _, _ in gone])
            db.executemany("UPDATE subscribers SET status = ?, updated = ?, soft_bounces = 0, soft_bounce_week = NULL "
                           "WHERE id = ?", [(status.value, at, id_) for id_, status, _ in changed])
            db.executemany("INSERT INTO events (subscriber_id, at, kind, detail) VALUES (?, ?, ?, ?)",
                           [(id_, at, status.value, why) for id_, status, why in changed])
        return report


def open_store(state_dir: Path, busy: float = 30.0) -> SqliteStore:
    """The site's subscriber store, created on first use."""
    return SqliteStore(state_dir / FILENAME, busy)
