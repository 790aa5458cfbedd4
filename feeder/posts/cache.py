"""A persistent cache of parsed front matter, so an unchanged post is never read twice.

One SQLite file in the state folder holds, per post file, its stat signature
(size, mtime, inode, ctime) and the few columns every run needs to choose posts
(date, URL, id, draft, labels, error).  The posts an output needs are parsed
again from their files (a few a run: the file is the truth), and their rendered
HTML is kept, keyed by a hash of the file, so an edit re-renders one post, not
twenty.  The cache is an accelerator, never a source of truth: a missing,
stale, foreign-version or corrupt file is rebuilt silently, and the outputs
are the same with or without it.  A state folder that cannot take the writes
(a full disk, read-only) is a :class:`StorageError` naming the file, never a
traceback from SQLite.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from feeder import toolchain
from feeder.atomic import cannot_write
from feeder.config import Config
from feeder.posts.row import Row

log = logging.getLogger(__name__)
T = TypeVar("T")
_CORRUPT = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
# SQLite's primary result codes (the low byte of an extended one) for a file it cannot write, as an errno
_STORAGE = {sqlite3.SQLITE_FULL: errno.ENOSPC, sqlite3.SQLITE_READONLY: errno.EROFS,
            sqlite3.SQLITE_CANTOPEN: errno.EACCES, sqlite3.SQLITE_PERM: errno.EACCES, sqlite3.SQLITE_IOERR: errno.EIO}
_SCHEMA_VERSION = "6"  # 4: no records; rendered HTML. 5: no reading time (counted when shown). 6: warnings
_LABEL_SEPARATOR = "\x1f"  # between tags (and categories) in one column: a character no label can hold


def state_cache(config: Config) -> PostCache:
    """The site's cache, in its state folder (a context manager: ``with state_cache(config) as cache``)."""
    return PostCache(config.state_dir / "cache.sqlite", config.fingerprint)


class PostCache:
    """The SQLite file (or an in-memory database when *path* is None)."""

    def __init__(self, path: Path | None, fingerprint: str) -> None:
        self.path = path
        self._key = f"{_SCHEMA_VERSION}:{toolchain.fingerprint()}:{fingerprint}"
        with self._writing():
            try:
                self._db = self._open()
            except sqlite3.DatabaseError as exc:  # corrupt or not a database: start again
                if getattr(exc, "sqlite_errorcode", None) not in _CORRUPT:
                    raise
                log.info("cache %s unreadable (%s); rebuilding it", path, exc)
                assert path is not None
                path.unlink(missing_ok=True)
                self._db = self._open()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn SQLite's "database or disk is full" and the like into a :class:`StorageError` naming the file."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            code = _STORAGE.get(getattr(exc, "sqlite_errorcode", 0) & 0xFF)
            if code is None or self.path is None:
                raise
            raise cannot_write(self.path, OSError(code, str(exc))) from None
        except OSError as exc:  # the folder: a file in its place, no permission
            if self.path is None:
                raise
            raise cannot_write(self.path, exc) from None

    def _open(self) -> sqlite3.Connection:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path or ":memory:", timeout=30, isolation_level=None)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        found = db.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
        if found is None or found[0] != self._key:
            if found is not None:
                log.info("cache made by other code (feeder or a library) or another config; rebuilding it")
            db.executescript(
                """
                BEGIN;
                DROP TABLE IF EXISTS posts;
                DROP TABLE IF EXISTS rendered;
                DELETE FROM meta;
                CREATE TABLE posts (
                    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER, ctime_ns INTEGER,
                    ts REAL, url TEXT, id TEXT, draft INTEGER, error TEXT, tags TEXT, categories TEXT, warning TEXT
                ) WITHOUT ROWID;
                CREATE TABLE rendered (path TEXT PRIMARY KEY, digest BLOB, html BLOB, excerpt BLOB);
                COMMIT;
                """
            )
            db.execute("INSERT INTO meta VALUES ('key', ?)", (self._key,))
        return db

    def rows(self) -> Iterator[Row]:
        """Every post file's row."""
        return self._rows("", ())

    def published_between(self, start: float, end: float, now: float) -> list[Row]:
        """Rows of usable, non-draft posts dated in [start, end) and not after *now*: one week, without the rest."""
        where = "WHERE error IS NULL AND draft = 0 AND ts >= ? AND ts < ? AND ts <= ?"
        return list(self._rows(where, (start, end, now)))

    def sharing(self, urls: list[str], ids: list[str]) -> list[Row]:
        """Rows whose URL is one of *urls* or whose id is one of *ids* (an id stored as NULL is the URL)."""
        marks_u, marks_i = ",".join("?" * len(urls)), ",".join("?" * len(ids))
        where = f"WHERE url IN ({marks_u}) OR id IN ({marks_i}) OR (id IS NULL AND url IN ({marks_i}))"
        return list(self._rows(where, (*urls, *ids, *ids)))

    def unusable(self) -> list[Row]:
        """Rows of post files that could not be parsed (their error says why)."""
        return list(self._rows("WHERE error IS NOT NULL", ()))

    def _rows(self, where: str, params: tuple[object, ...]) -> Iterator[Row]:
        # *where* is one of the fixed conditions above; every value is a bound parameter
        query = ("SELECT path, size, mtime_ns, ino, ctime_ns, ts, url, id, draft, error, tags, categories, warning "
                 f"FROM posts {where}")
        split = _LABEL_SEPARATOR
        for (path, size, mtime, ino, ctime, ts, url, ident, draft, error, tags, cats,
             warning) in self._db.execute(query, params):  # every row of a site, every run: no call per label column
            yield Row(path, (size, mtime, ino, ctime), ts, url, ident or url, bool(draft), error,
                      tuple(tags.split(split)) if tags else (), tuple(cats.split(split)) if cats else (), warning)

    def synced(self) -> str | None:
        """The key of the scan the rows were last brought up to date with (see :attr:`~feeder.posts.scan.Scan.key`)."""
        found = self._db.execute("SELECT value FROM meta WHERE key = 'synced'").fetchone()
        return found[0] if found else None

    def mark_synced(self, key: str) -> None:
        with self._writing():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('synced', ?)", (key,))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make the writes inside one commit: one journal sync, not one per statement.

        On a full disk SQLite may have rolled the transaction back itself (and a
        failed COMMIT may have left it open): it is rolled back only if still
        active, so the error that reaches the caller is the real one.
        """
        with self._writing():
            self._db.execute("BEGIN")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    def put(self, rows: Iterable[Row]) -> None:
        """Store the rows of parsed posts, replacing what the cache had for their paths."""
        with self.transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                # an id equal to the URL (the common case) is stored once: less disk, and one string in memory
                ((r.path, *r.signature, r.timestamp, r.url, None if r.id == r.url else r.id, int(r.draft), r.error,
                  _LABEL_SEPARATOR.join(r.tags), _LABEL_SEPARATOR.join(r.categories), r.warning) for r in rows),
            )

    def delete(self, paths: Iterable[str]) -> None:
        with self.transaction():
            self._db.executemany("DELETE FROM posts WHERE path = ?", ((p,) for p in paths))

    def rendered(self, path: str, digest: bytes) -> tuple[str, str] | None:
        """(html, excerpt html) rendered from a file whose bytes hash to *digest*, if kept."""
        found = self._db.execute("SELECT html, excerpt FROM rendered WHERE path = ? AND digest = ?",
                                 (path, digest)).fetchone()
        if found is None:
            return None
        return zlib.decompress(found[0]).decode(), zlib.decompress(found[1]).decode()

    def keep_rendered(self, items: Iterable[tuple[str, bytes, str, str]]) -> None:
        """Keep (path, digest, html, excerpt html) of posts just rendered, in one commit."""
        with self.transaction():
            self._db.executemany("INSERT OR REPLACE INTO rendered VALUES (?, ?, ?, ?)",
                                 ((path, digest, zlib.compress(html.encode(), 1), zlib.compress(excerpt.encode(), 1))
                                  for path, digest, html, excerpt in items))

    def prune_rendered(self, keep: Iterable[str]) -> None:
        """Forget rendered HTML of every post but *keep*: the table stays as small as a feed."""
        with self._writing():
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (path TEXT PRIMARY KEY)")
        with self.transaction():
            self._db.execute("DELETE FROM temp.keep")
            self._db.executemany("INSERT OR IGNORE INTO temp.keep VALUES (?)", ((p,) for p in keep))
            self._db.execute("DELETE FROM rendered WHERE path NOT IN (SELECT path FROM temp.keep)")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PostCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def recovering(path: Path, fingerprint: str, work: Callable[[PostCache], T]) -> T:
    """Run *work* with the cache at *path*; if the file turns out to be damaged, delete it and run again.

    Opening checks only the first page, and a full integrity check costs more
    than a warm publish, so damage deeper in the file shows up mid-run instead:
    then the cache is rebuilt and *work*, which is idempotent, runs once more.
    A locked or busy database is not damage and is not caught.
    """
    try:
        with PostCache(path, fingerprint) as cache:
            return work(cache)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) not in _CORRUPT:
            raise
        log.info("cache %s is damaged (%s); rebuilding it", path, exc)
        path.unlink(missing_ok=True)
    with PostCache(path, fingerprint) as cache:
        return work(cache)
