"""A value as a message quotes it: a short excerpt, never the whole.

Messages echo the value that was wrong, so the author can find it.  But a value
can be large (a 200 KB title) or stand for far more than its text (nested YAML
aliases: 373 bytes that print as 300 MB), and a message is printed, logged and
kept in the post cache on every run.  :mod:`reprlib` looks at only the first
few items of the first few levels, so quoting costs the same whatever the
value; the result is then cut to fit on a line.
"""

from __future__ import annotations

import reprlib

LIMIT = 80  # characters of a quoted value



class _Repr(reprlib.Repr):
    def repr_bytes(self, value: bytes, level: int) -> str:
        """As for a string: only the first bytes are quoted (reprlib quotes all of a bytes value, then cuts it)."""
        return self.repr_str(value, level)  # type: ignore[arg-type]  # slicing and repr() work alike on bytes


_REPR = _Repr()
_REPR.maxlevel = 2
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = _REPR.maxdict = 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = LIMIT


def brief(value: object, limit: int = LIMIT) -> str:
    """``repr(value)``, shortened: at most *limit* characters, ``…`` marking a cut."""
    try:
        text = _REPR.repr(value)
    except ValueError:  # an int beyond the 4,300 digits Python converts to text
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"
