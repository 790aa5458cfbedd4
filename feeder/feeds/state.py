"""What the last publish wrote: each output's fingerprint and the file it left, in ``outputs.json``.

This is the planner's memory, kept apart from the plan itself (which is pure):
it reads and writes the state file and stats output files.

A publish saves it twice when it writes: before the first file (:meth:`OutputState.begin`:
"a run is writing", and the WebSub pings it will owe) and at the end.  So a
run killed halfway leaves a state that says so: the next run is not skipped as
a repeat, removes the temporary files the killed one left, and sends its pings.
"""

from __future__ import annotations

import json
import logging
import posixpath
from pathlib import Path
from typing import Any, NamedTuple

from feeder.atomic import write_if_changed

log = logging.getLogger(__name__)


class Counts(NamedTuple):
    """How many posts a run found published, as drafts and scheduled (kept as a JSON object in the state)."""

    published: int
    drafts: int
    scheduled: int


class OutputState:
    """Per output file: the fingerprint it was written with, and its size and mtime after writing.

    Kept in its own file in the state folder, not in the post cache: the cache is
    thrown away whenever the config or feeder changes, and this list is what lets
    a later run delete the files no output produces any more.
    """

    def __init__(self, state_file: Path, output_dir: Path) -> None:
        self._file, self._dir = state_file, output_dir
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            state = {}
        except (OSError, ValueError) as exc:
            log.info("%s unreadable (%s); every output will be rebuilt", state_file, exc)
            state = {}
        usable = isinstance(state, dict) and state.get("format") == 3 and state.get("output_dir") == str(output_dir)
        # "./x" (as earlier runs named a file in a folder ".") and "x" are one file: one key, or a run would
        # remove what it had just written as an orphan
        self.files: dict[str, list] = {posixpath.normpath(k): v for k, v in state["files"].items()} if usable else {}
        self.pending_pings: list[str] = state["pending_pings"] if usable else []
        self.inputs: dict[str, Any] | None = state.get("inputs") if usable else None
        # the last run was killed while writing, or there is no (usable) state: temporary files may be lying about
        self.interrupted = not usable or bool(state.get("writing"))
        self._writing = False

    def fresh(self, path: str, fingerprint: str) -> bool:
        """True when *path* was written from these inputs and nobody has touched it since."""
        saved = self.files.get(path)
        if not saved:
            return False
        return saved[0] == fingerprint and self._untouched(path, saved)

    def _untouched(self, path: str, saved: list) -> bool:
        try:
            st = (self._dir / path).stat()
        except FileNotFoundError:
            return False
        return [st.st_size, st.st_mtime_ns] == saved[1:]

    def remember(self, key: str | None, newest: float | None, next_due: float | None, counts: Counts) -> None:
        """Note that a run with inputs *key* completed cleanly (None: it did not) and what it saw.

        *newest* is the date of the newest published post and *next_due* that of
        the earliest scheduled one: at any time between them the same posts are
        published.
        """
        self.inputs = {"key": key, "from": newest, "until": next_due, "counts": counts._asdict()} if key else None

    def repeat(self, key: str, now: float) -> Counts | None:
        """The counts of the last run if a run now would change nothing, else None.

        That is when the last run completed cleanly (every output written, no
        invalid post, no ping pending) from the same inputs (*key*), *now* is
        in the window where the same posts are published, and every file it
        wrote is as it was left.  This lets a warm run skip the cache and the
        plan: a stat per post file and per output is all it costs.
        """
        saved = self.inputs
        if not isinstance(saved, dict) or saved.get("key") != key or self.pending_pings:
            return None
        newest, due, counts = saved.get("from"), saved.get("until"), saved.get("counts")
        if (newest is not None and now < newest) or (due is not None and now >= due):
            return None
        if (not isinstance(counts, dict) or counts.keys() != set(Counts._fields)
                or not all(type(n) is int for n in counts.values())):
            return None  # a state file edited by hand
        if not all(self._untouched(path, entry) for path, entry in self.files.items()):
            return None
        return Counts(counts["published"], counts["drafts"], counts["scheduled"])

    def record(self, path: str, fingerprint: str) -> None:
        st = (self._dir / path).stat()
        self.files[path] = [fingerprint, st.st_size, st.st_mtime_ns]

    def forget(self, path: str) -> None:
        self.files.pop(path, None)

    def begin(self, owed: list[str]) -> None:
        """Before the first file is written: note that a run is writing, and the pings it will owe, on disk."""
        self.pending_pings, self.inputs, self._writing = owed, None, True
        self.save()
        self._writing = False  # the next save is the one at the end

    def save(self) -> None:
        state = {"format": 3, "output_dir": str(self._dir), "files": self.files, "pending_pings": self.pending_pings,
                 "inputs": self.inputs, "writing": self._writing}
        write_if_changed(self._file, json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode())
