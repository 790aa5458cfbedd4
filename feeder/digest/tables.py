"""Tables in an excerpt made for a narrow email: numbers whole, cells apart without a style per cell.

A table squeezed into a 375 px phone wraps its cells, and a cell allowed to break
long words breaks numbers too (``3,490,0`` / ``00,000``).  A cell that holds
only a number (digits with separators, a sign, a currency, a percent or a unit
such as 円) gets ``class="num"``: the template keeps it on one line and aligns it
right; other cells may still wrap, so a table never widens the email past the
screen.  Cells are spaced by the table's ``cellpadding`` rather than a padding
rule inlined into every cell (a 20-post week holds hundreds of cells).

Runs on sanitized HTML (classes stripped), so the only class in an excerpt's
table is this one.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from feeder.posts.plaintext import is_number

CELLPADDING = "3"


def mark_tables(fragment: str) -> str:
    """*fragment* with ``cellpadding`` on each table and ``class="num"`` on each cell that is a number."""
    if "<table" not in fragment:
        return fragment
    finder = _Cells(fragment)
    finder.feed(fragment)
    finder.close()
    out, last = [], 0
    for at, insert in sorted(finder.inserts):
        out += [fragment[last:at], insert]
        last = at
    return "".join([*out, fragment[last:]])


class _Cells(HTMLParser):
    """Finds where to insert: after ``<table`` and ``<td``/``<th`` (by offset in the source)."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._lines = [0] + [m.end() for m in re.finditer("\n", source)]
        self.inserts: list[tuple[int, str]] = []
        self._cells: list[tuple[int, list[str]]] = []  # open cells: (offset after the tag name, text)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and not any(name == "cellpadding" for name, _ in attrs):
            self.inserts.append((self._offset() + len("<table"), f' cellpadding="{CELLPADDING}"'))
        elif tag in ("td", "th"):
            self._cells.append((self._offset() + 3, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cells:
            at, text = self._cells.pop()
            if is_number("".join(text)):
                self.inserts.append((at, ' class="num"'))
            elif self._cells:  # a table inside a cell: the outer cell is not a number
                self._cells[-1][1].append("x")

    def handle_data(self, data: str) -> None:
        if self._cells:
            self._cells[-1][1].append(data)

