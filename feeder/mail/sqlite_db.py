"""The subscriber list's SQLite database: ``<state_dir>/subscribers.sqlite3``, the embedded default store.

``feeder send``, ``feeder serve`` and the CLI may all have it open at once:
the database is in WAL mode (readers never block the writer), each writer waits
up to ``busy`` seconds for another's transaction, and every write is one short
``BEGIN IMMEDIATE … COMMIT`` (immediate: a transaction that starts reading and
then writes can deadlock; this one takes the write lock first, so it waits
instead).  ``synchronous=FULL``: a write that has returned survives SIGKILL and
power loss alike.  Lists are read in pages of ids (keyset pagination), so
iterating 100,000 subscribers holds one page in memory and no long transaction.

Ids are ``AUTOINCREMENT``: an id is never reused, even after ``forget`` deleted
the last row, so an old unsubscribe link can never name somebody new.  The file
is created ``0600`` (it holds personal data); ``forget`` deletes with ``secure_delete`` on, so what
it erases is overwritten, not left in free pages.

This module holds the connection, the schema, the reads and the weeks' audiences;
:mod:`feeder.mail.sqlite_store` adds the writes that change a subscriber.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from feeder.addresses import address_key
from feeder.errors import StorageError, SubscriberError
from feeder.mail.subscribers import SUPPRESSED, Consent, Event, Source, Status, Subscriber, clean_field

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
_COLUMNS = ("id, address, name, status, source, created, updated, consent_at, consent_ip, consent_agent, "
            "consent_page, consent_text, confirmation_sent, soft_bounces")
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ({", ".join(repr(s.value) for s in Status)})),
    source TEXT NOT NULL CHECK (source IN ({", ".join(repr(s.value) for s in Source)})),
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    consent_at TEXT, consent_ip TEXT, consent_agent TEXT, consent_page TEXT, consent_text TEXT,
    confirmation_sent TEXT,
    soft_bounces INTEGER NOT NULL DEFAULT 0,
    soft_bounce_week TEXT,
    listed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_subscriber ON events (subscriber_id, id);
CREATE TRIGGER IF NOT EXISTS events_append_only BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event history is append-only'); END;
CREATE TABLE IF NOT EXISTS forgotten (hash TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS weeks (week TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT);
CREATE TABLE IF NOT EXISTS audience (week TEXT NOT NULL, subscriber_id INTEGER NOT NULL,
    PRIMARY KEY (week, subscriber_id)) WITHOUT ROWID;
"""


def stamp(when: datetime) -> str:
    """A time as stored: ISO 8601 in UTC, which sorts as text in time order."""
    if when.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return when.astimezone(timezone.utc).isoformat()


def consent_row(consent: Consent | None) -> tuple[str | None, ...]:
    """The five consent columns of a subscriber row (all NULL without a consent)."""
    c = consent
    if c is None:
        return (None,) * 5
    return stamp(c.at), clean_field(c.ip), clean_field(c.user_agent), clean_field(c.page), clean_field(c.text)


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _subscriber(row: tuple[Any, ...]) -> Subscriber:
    (id_, address, name, status, source, created, updated, c_at, c_ip, c_agent, c_page, c_text, sent,
     soft) = row
    consent = None if c_at is None else Consent(datetime.fromisoformat(c_at), c_ip or "", c_agent or "",
                                                c_page or "", c_text or "")
    return Subscriber(id_, address, name, Status(status), Source(source), datetime.fromisoformat(created),
                      datetime.fromisoformat(updated), consent, _time(sent), soft)


class Database:
    """The connection and the reads of :class:`~feeder.mail.sqlite_store.SqliteStore`; usable from threads."""

    def __init__(self, path: Path, busy: float = 30.0) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(path, timeout=busy, isolation_level=None, check_same_thread=False)
        except OSError as exc:
            raise StorageError(f"{path}: cannot create the subscriber database: {exc.strerror}") from None
        except sqlite3.Error as exc:
            raise StorageError(f"{path}: cannot open the subscriber database: {exc}") from None
        self._lock = threading.RLock()
        self._rehearsing = False
        try:
            self._prepare(busy)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise SubscriberError(f"{path}: not a usable subscriber database ({exc}); move it away and "
                                  "import the list again from an export") from None
        except BaseException:
            self._db.close()
            raise

    def _prepare(self, busy: float) -> None:
        """WAL, the schema and the salt; tried again while another process holds the lock, for up to *busy* s.

        Two processes opening a new database at once: switching it to WAL takes a lock that SQLite
        does not wait for (its busy timeout does not cover the journal mode), so the loser retries.
        """
        give_up = time.monotonic() + busy
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > give_up:
                    raise
                time.sleep(0.02)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA cache_size=-32768")  # 32 MB: an import of 100,000 keeps its indexes in memory
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SubscriberError(f"{self.path}: made by a newer feeder (schema {version}); upgrade feeder")
        if version < SCHEMA_VERSION:  # one script, one transaction: IF NOT EXISTS makes a race harmless
            self._db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; "
                                   f"INSERT OR IGNORE INTO meta VALUES ('salt', '{secrets.token_hex(16)}'); "
                                   "COMMIT;")
        self._salt = bytes.fromhex(self._db.execute("SELECT value FROM meta WHERE key='salt'").fetchone()[0])

    @contextlib.contextmanager
    def rehearsal(self) -> Iterator[None]:
        """Everything written inside is rolled back at the end: a dry run does it all, and leaves no trace.

        Holds the write lock (and this object's lock) throughout, so keep it short.
        """
        with self._lock:
            self._begin()
            self._rehearsing = True
            try:
                yield
            finally:
                self._rehearsing = False
                self._db.execute("ROLLBACK")

    def _begin(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StorageError(f"{self.path}: the subscriber database is busy or read-only ({exc}); "
                               "try again, or check the folder's permissions") from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding the write lock from its start; committed when the block ends.

        Inside a :meth:`rehearsal`, a savepoint instead, undone with the rehearsal.
        """
        with self._lock:
            if self._rehearsing:
                self._db.execute("SAVEPOINT step")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK TO step")
                    raise
                finally:
                    self._db.execute("RELEASE step")
                return
            self._begin()
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._db.execute("ROLLBACK")
                raise StorageError(f"{self.path}: cannot write the subscriber database: {exc}") from None

    def _one(self, where: str, args: tuple[Any, ...]) -> Subscriber | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE {where}", args).fetchone()
        return None if row is None else _subscriber(row)

    def get(self, address: str) -> Subscriber | None:
        return self._one("key = ?", (address_key(address),))

    def get_by_id(self, subscriber_id: int) -> Subscriber | None:
        return self._one("id = ?", (subscriber_id,))

    def _event(self, db: sqlite3.Connection, subscriber_id: int, now: datetime, kind: str, detail: str = "") -> None:
        db.execute("INSERT INTO events (subscriber_id, at, kind, detail) VALUES (?, ?, ?, ?)",
                   (subscriber_id, stamp(now), kind, detail))

    def _status(self, db: sqlite3.Connection, subscriber: Subscriber, status: Status, now: datetime, kind: str,
                detail: str) -> None:
        db.execute("UPDATE subscribers SET status = ?, updated = ?, soft_bounces = 0, soft_bounce_week = NULL "
                   "WHERE id = ?", (status.value, stamp(now), subscriber.id))
        self._event(db, subscriber.id, now, kind, detail)

    def _insert(self, db: sqlite3.Connection, address: str, name: str, status: Status, source: Source,
                now: datetime, consent: Consent | None) -> int:
        cursor = db.execute(
            "INSERT INTO subscribers (key, address, name, status, source, created, updated, consent_at, consent_ip, "
            "consent_agent, consent_page, consent_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (address_key(address), address, name, status.value, source.value, stamp(now), stamp(now),
             *consent_row(consent)))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _consent(self, db: sqlite3.Connection, subscriber_id: int, consent: Consent) -> None:
        db.execute("UPDATE subscribers SET consent_at = ?, consent_ip = ?, consent_agent = ?, consent_page = ?, "
                   "consent_text = ? WHERE id = ?", (*consent_row(consent), subscriber_id))

    def iterate(self, status: Status | None = None, batch: int = 1000) -> Iterator[Subscriber]:
        """Every subscriber (of *status*) in id order, a page at a time: memory flat however long the list."""
        where, args = ("status = ? AND id > ?", (status.value,)) if status else ("id > ?", ())
        yield from self._pages(f"SELECT {_COLUMNS} FROM subscribers WHERE {where} ORDER BY id LIMIT ?", args, batch)

    def _pages(self, query: str, args: tuple[Any, ...], batch: int) -> Iterator[Subscriber]:
        last = 0
        while True:
            with self._lock:
                rows = self._db.execute(query, (*args, last, batch)).fetchall()
            for row in rows:
                yield _subscriber(row)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def counts(self) -> dict[Status, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, count(*) FROM subscribers GROUP BY status").fetchall()
        found = {Status(status): count for status, count in rows}
        return {status: found.get(status, 0) for status in Status}

    def events(self, subscriber_id: int) -> list[Event]:
        with self._lock:
            rows = self._db.execute("SELECT id, subscriber_id, at, kind, detail FROM events WHERE subscriber_id = ? "
                                    "ORDER BY id", (subscriber_id,)).fetchall()
        return [Event(r[0], r[1], datetime.fromisoformat(r[2]), r[3], r[4]) for r in rows]

    def hash(self, address: str) -> str:
        """The keyed SHA-256 of an address that forget keeps (keyed: a list of known addresses cannot reverse it)."""
        return hmac.new(self._salt, address_key(address).encode(), hashlib.sha256).hexdigest()

    def is_forgotten(self, address: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM forgotten WHERE hash = ?",
                                    (self.hash(address),)).fetchone() is not None

    def is_suppressed(self, address: str) -> bool:
        """May nothing be sent to *address*: unsubscribed, bounced, complained, or forgotten."""
        found = self.get(address)
        return found.status in SUPPRESSED if found else self.is_forgotten(address)

    def open_week(self, week: str, now: datetime, *, again: bool = False) -> bool:
        """Fix who gets *week*: those active now (True); an opened week keeps its audience (False) unless *again*.

        A week goes to the subscribers active when it is first sent; those who leave before it is
        finished are dropped by :meth:`audience`, those who join later wait for the next week.
        ``--force`` (*again*) takes the list as it is now.
        """
        with self.transaction() as db:
            if not again and db.execute("SELECT 1 FROM weeks WHERE week = ?", (week,)).fetchone():
                return False
            db.execute("DELETE FROM audience WHERE week = ?", (week,))
            db.execute("INSERT OR REPLACE INTO weeks VALUES (?, ?, NULL)", (week, stamp(now)))
            db.execute("INSERT INTO audience SELECT ?, id FROM subscribers WHERE status = 'active'", (week,))
        return True

    def audience(self, week: str, batch: int = 1000) -> Iterator[Subscriber]:
        """The still-active subscribers of an opened *week*, in id order, a page at a time."""
        columns = ", ".join(f"s.{c.strip()}" for c in _COLUMNS.split(","))
        yield from self._pages(f"SELECT {columns} FROM audience a JOIN subscribers s ON s.id = a.subscriber_id "
                               "WHERE a.week = ? AND s.status = 'active' AND s.id > ? ORDER BY s.id LIMIT ?",
                               (week,), batch)

    def audience_size(self, week: str) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM audience a JOIN subscribers s ON s.id = a.subscriber_id "
                                        "WHERE a.week = ? AND s.status = 'active'", (week,)).fetchone()[0])

    def finish_week(self, week: str, now: datetime) -> None:
        """Everyone in *week*'s audience has it, or has left, or was refused for good."""
        with self.transaction() as db:
            db.execute("UPDATE weeks SET finished = ? WHERE week = ? AND finished IS NULL", (stamp(now), week))

    def unfinished_weeks(self) -> list[str]:
        """Weeks opened and not finished (someone deferred, a run stopped early), oldest first."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT week FROM weeks WHERE finished IS NULL ORDER BY week")]

    def close(self) -> None:
        with self._lock:
            self._db.close()

