"""Cut HTML to a length a reader sees, without breaking a tag, an entity or a character.

Length is counted in grapheme clusters (what a reader calls characters), so a
Japanese excerpt of 200 is 200 characters, and an emoji with modifiers or a
letter with combining marks is never split.  Latin text is cut back to the last
word boundary when one is near; CJK text, which has no spaces, is cut anywhere.
A cut never falls inside a link when anything comes before it: the link goes
whole and the "…" follows the text before it, so no link is left reading "…"
or half a URL.  (A link that opens the excerpt and is longer than it is cut,
at a word if it can be, but keeps some of its text.)  Nor inside a table row:
the table keeps its whole rows and ends with a row holding only "…" across
all its columns (a table cut in its first row goes whole, when text came
before it), so no row is ragged and no figure is cut.
"""

from __future__ import annotations

import html
from functools import cache
from html.parser import HTMLParser
from typing import Any, NamedTuple

ELLIPSIS = "…"
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Patterns(NamedTuple):
    grapheme: Any
    space: Any
    wide: Any  # a character lines may break after, with no space: CJK, Thai, full-width forms


@cache
def _patterns() -> _Patterns:
    """Compiled on first use: ``regex`` (for grapheme clusters and scripts) costs 15 ms to import."""
    import regex

    return _Patterns(regex.compile(r"\X"), regex.compile(r"\s+"),
                     regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\u3000-\u303f\uff00-\uffef]"))


def truncate_html(fragment: str, limit: int) -> str:
    """*fragment* cut to at most *limit* visible characters (plus "…"), tags closed."""
    cutter = _Cutter(limit)
    cutter.feed(fragment)
    cutter.close()
    return "".join(cutter.out + [f"</{tag}>" for tag in reversed(cutter.open)])


def nesting_depth(fragment: str) -> int:
    """How deep the elements of *fragment* nest (a void element such as ``<br>`` counts one level).

    Meant for HTML a sanitizer has written out (balanced, each end tag closing the
    innermost element), where the running count is exact; a stray end tag only
    lowers it (never below 0).  Linear in the length, however deep the nesting.
    """
    counter = _Depth()
    counter.feed(fragment)
    counter.close()
    return counter.deepest


def cut_text(text: str, limit: int) -> str:
    """Plain-text counterpart of :func:`truncate_html`, with the same counting rules."""
    text = _patterns().space.sub(" ", text).strip()
    clusters = _patterns().grapheme.findall(text)
    return text if len(clusters) <= limit else _cut(clusters, limit) + ELLIPSIS


def _cut(clusters: list[str], room: int, word_may_go: bool = False) -> str:
    """The first *room* clusters, backed off to a word boundary inside Latin words.

    A word cut in half loses its head back to the last space or CJK character;
    with no boundary at all it goes whole if *word_may_go* (text came before it),
    else it is cut hard (one very long word must still show something).
    """
    head = clusters[:room]
    if head and not _breakable(head[-1]) and not _breakable(clusters[room]):
        for i in range(len(head) - 1, -1, -1):
            if _breakable(head[i]):
                head = head[: i + 1] if _patterns().wide.match(head[i]) else head[:i]
                break
        else:
            if word_may_go:
                head = []
    return "".join(head).rstrip()


def _breakable(cluster: str) -> bool:
    return cluster.isspace() or bool(_patterns().wide.match(cluster))


class _Link(NamedTuple):
    """Where the open link started: what was written and open then, and whether text came before it."""

    out: int
    open: list[str]
    after_text: bool


class _Table:
    """An open table: where it and its open row started, its whole rows and their widest column count."""

    def __init__(self, at: _Link) -> None:
        self.at = at
        self.row: _Link | None = None
        self.rows = self.columns = self.cells = 0  # whole rows so far, the most cells in one, cells in this one


class _Cutter(HTMLParser):
    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.room = self.limit = limit
        self.out: list[str] = []
        self.open: list[str] = []
        self.done = False
        self.link: _Link | None = None
        self.tables: list[_Table] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.done:
            here = _Link(len(self.out), list(self.open), self.room < self.limit)
            if tag == "a" and self.link is None:
                self.link = here
            elif tag == "table":
                self.tables.append(_Table(here))
            elif tag == "tr" and self.tables:
                self.tables[-1].row, self.tables[-1].cells = here, 0
            elif tag in ("td", "th") and self.tables:
                span = dict(attrs).get("colspan") or "1"
                self.tables[-1].cells += int(span) if span.isdigit() and 0 < int(span) < 1000 else 1
            self.out.append(self.get_starttag_text() or f"<{tag}>")
            if tag not in _VOID:
                self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.done:
            self.out.append(self.get_starttag_text() or f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if self.done or tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == "a":
                self.link = None
            elif top == "tr" and self.tables:
                table = self.tables[-1]
                table.rows, table.columns, table.row = table.rows + 1, max(table.columns, table.cells), None
            elif top == "table" and self.tables:
                self.tables.pop()
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.done:
            return
        in_pre = "pre" in self.open  # code keeps its line breaks and indentation
        clusters = _patterns().grapheme.findall(data if in_pre else _patterns().space.sub(" ", data))
        if len(clusters) <= self.room or "".join(clusters[self.room:]).isspace():
            kept = clusters[: self.room]  # only whitespace beyond the limit: nothing is cut yet
            self.room -= len(kept)
            self.out.append(html.escape("".join(kept), quote=False))
            return
        self.done = True
        table = self.tables[-1] if self.tables and self.tables[-1].row is not None else None
        if table is not None and table.row is not None and table.rows:  # whole rows, then "…" across them all
            del self.out[table.row.out:]
            self.open = table.row.open
            self.out.append(f'<tr><td colspan="{max(1, table.columns)}">{ELLIPSIS}</td></tr>')
            return
        back = table.at if table is not None else self.link
        if back is not None and back.after_text:  # the link or table goes whole; "…" ends the text before it
            del self.out[back.out:]
            self.open = back.open
            if self.out and not self.out[-1].startswith("<"):  # text (escaped, so never a "<")
                self.out[-1] = self.out[-1].rstrip()
            self.out.append(ELLIPSIS)
            return
        self.out.append(html.escape(_cut(clusters, self.room, self.room < self.limit), quote=False) + ELLIPSIS)


class _Depth(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = self.deepest = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.deepest = max(self.deepest, self.depth + 1)
        if tag not in _VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID:
            self.depth = max(0, self.depth - 1)
