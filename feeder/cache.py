"""A persistent cache of parsed front matter, so an unchanged post is never read twice.

One SQLite file in the state folder holds, per post file, its stat signature
(size, mtime, inode, ctime), the few columns every run needs for selection
(date, URL, id, draft, error) and the whole parsed record, loaded only for the
posts that reach an output.  The cache is an accelerator, never a source of
truth: a missing, stale, foreign-version or corrupt file is rebuilt silently,
and the outputs are the same with or without it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from . import __version__

log = logging.getLogger(__name__)
_SCHEMA_VERSION = "3"  # 3: records carry enclosure
LABEL_SEPARATOR = "\x1f"  # between tags (and categories) in one column: a character no label can hold


class Signature(NamedTuple):
    size: int
    mtime_ns: int
    ino: int
    ctime_ns: int


class Row(NamedTuple):
    """What the collector needs of every post, without its full record."""

    path: str
    signature: Signature
    timestamp: float  # the post's date, seconds since the epoch
    url: str
    id: str
    draft: bool
    error: str | None  # JSON of a PostError (message, line), when the file is unusable
    tags: str = ""  # the post's tags joined by LABEL_SEPARATOR: per-tag feeds select without full records
    categories: str = ""


class PostCache:
    """The SQLite file (or an in-memory database when *path* is None)."""

    def __init__(self, path: Path | None, fingerprint: str) -> None:
        self.path = path
        self._key = f"{_SCHEMA_VERSION}:{__version__}:{fingerprint}"
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:  # corrupt or not a database: start again
            log.info("cache %s unreadable (%s); rebuilding it", path, exc)
            assert path is not None
            path.unlink(missing_ok=True)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path or ":memory:", timeout=30, isolation_level=None)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        found = db.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
        if found is None or found[0] != self._key:
            if found is not None:
                log.info("cache made by another version or config; rebuilding it")
            db.executescript(
                """
                BEGIN;
                DROP TABLE IF EXISTS posts;
                DELETE FROM meta;
                CREATE TABLE posts (
                    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER, ctime_ns INTEGER,
                    ts REAL, url TEXT, id TEXT, draft INTEGER, error TEXT, tags TEXT, categories TEXT, record TEXT
                ) WITHOUT ROWID;
                COMMIT;
                """
            )
            db.execute("INSERT INTO meta VALUES ('key', ?)", (self._key,))
        return db

    def rows(self) -> Iterator[Row]:
        query = "SELECT path, size, mtime_ns, ino, ctime_ns, ts, url, id, draft, error, tags, categories FROM posts"
        for path, size, mtime, ino, ctime, ts, url, ident, draft, error, tags, cats in self._db.execute(query):
            yield Row(path, Signature(size, mtime, ino, ctime), ts, url, ident or url, bool(draft), error, tags, cats)

    def put(self, items: Iterable[tuple[Row, str | None]]) -> None:
        """Store parsed posts: each a row and its record's JSON (None for an error)."""
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            # an id equal to the URL (the common case) is stored once: less disk, and one string in memory
            ((r.path, *r.signature, r.timestamp, r.url, None if r.id == r.url else r.id, int(r.draft), r.error,
              r.tags, r.categories, record) for r, record in items),
        )
        self._db.execute("COMMIT")

    def delete(self, paths: Iterable[str]) -> None:
        self._db.execute("BEGIN")
        self._db.executemany("DELETE FROM posts WHERE path = ?", ((p,) for p in paths))
        self._db.execute("COMMIT")

    def records(self, paths: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for start in range(0, len(paths), 500):
            chunk = paths[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for path, record in self._db.execute(f"SELECT path, record FROM posts WHERE path IN ({marks})", chunk):
                found[path] = json.loads(record)
        return found

    def get_state(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", ("state:" + key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", ("state:" + key, value))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PostCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
