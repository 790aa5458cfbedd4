"""HTML made plain text: one line for a summary, or a letter's paragraphs for the digest's text part.

Both read the HTML the same way, which is the way a browser shows it:

* **Inline elements add nothing.**  ``<strong>Meta Llama 4、一般公開</strong>について``
  is ``Meta Llama 4、一般公開について``: replacing tags by spaces put spaces into
  Japanese sentences, which never have them.  Block elements (paragraphs, list
  items, cells) are apart.
* **Whitespace collapses as CSS collapses it**: a run becomes one space, and a
  line break between two CJK characters (a soft break in the Markdown source)
  disappears, as CSS Text's segment-break rule has it.

:func:`visible_text` is that text on one line (the JSON Feed ``summary``, the
reading time).  :func:`letter_text` lays it out to be read in a plain-text mail:
paragraphs wrapped at 72 columns (:mod:`feeder.posts.wrap`: never inside a Latin
word, CJK wherever allowed), links as ``text (URL)``, list items with ``-`` or
their number, code blocks indented four spaces and never wrapped, quotes with
``>``, and tables as aligned columns (numbers to the right), or, too wide for
the line, as ``header: value`` lines.

Why not html2text or inscriptis: neither wraps CJK text (html2text wraps with
:mod:`textwrap`, which counts code points, breaks only at spaces and so leaves a
Japanese paragraph one line long; inscriptis does not wrap at all), and html2text
writes Markdown (``**bold**``, ``[text](url)``), which a letter should not show.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from typing import Any

from feeder.posts.wrap import HARD_BREAK, columns, wrap

WIDTH = 72
_BLOCKS = {"address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt", "figcaption", "figure",
           "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
           "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "source", "track", "wbr"}
_SKIP = {"script", "style", "template"}
_WHITESPACE = re.compile(r"[ \t\n\r\f]+")
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)?[^<>]*>")  # [^<>], not [^>]: linear on unclosed tags too
# A number as a table shows it: "3,490,000", "−12.5%", "¥1,200", "(1,234)", "42 億円", "1.8x".
_NUMBER = re.compile(r"[(+\-−–±]?[$¥€£₩]?\s?\d[\d,.\u00a0 ]*\)?\s?(?:%|％|円|万|億|兆|万円|億円|兆円|倍|x|×|bp|pt)?",
                     re.IGNORECASE)
MAX_NUMBER = 24  # characters; a longer run of digits is not a figure a reader reads whole


def is_number(text: str) -> bool:
    """Whether *text* (a table cell's visible text) is one number, short enough to keep on one line."""
    text = text.strip()
    return 0 < len(text) <= MAX_NUMBER and _NUMBER.fullmatch(text) is not None


def collapse(text: str) -> str:
    """Whitespace runs to one space; a run holding a line break between two CJK characters to nothing."""
    if "\n" in text:
        text = _segment_break().sub(r"\1", text)
    return _WHITESPACE.sub(" ", text)


@cache
def _segment_break() -> Any:
    """A CJK character, then whitespace with a line break in it, before another CJK character (``regex``:
    imported on first use; no lookbehind, which ``regex`` tries slowly at every position)."""
    import regex

    return regex.compile(r"([\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u3000-\u303f\uff00-\uffef])"
                         r"[ \t\r\f]*\n[ \t\n\r\f]*"
                         r"(?=[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u3000-\u303f\uff00-\uffef])")


def visible_text(fragment: str) -> str:
    """The text of *fragment* on one line: blocks apart by a space, inline tags gone without a trace.

    For sanitized HTML (no scripts, no comments, every ``<`` of text escaped), so tags are read by one
    linear pattern: this runs for every JSON Feed item and every reading time.
    """
    def tag(match: re.Match[str]) -> str:
        name = (match[1] or "").lower()
        return " " if name in _BLOCKS or name == "br" else ""

    return " ".join(collapse(html.unescape(_TAG.sub(tag, fragment))).split())


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)


class _Tree(HTMLParser):
    """A small tree of the fragment (sanitized HTML: balanced), for laying it out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def letter_text(fragment: str, width: int = WIDTH) -> str:
    """*fragment* laid out as plain text for a letter (see the module docstring), lines of ≤ *width* columns
    but for a word or URL longer than that, and code."""
    tree = _Tree()
    tree.feed(fragment)
    tree.close()
    return "\n\n".join("\n".join(block) for block in _blocks(tree.root.children, width)).strip("\n")


def _blocks(children: list[_Node | str], width: int) -> list[list[str]]:
    """The blocks (each a list of lines) that *children* make."""
    blocks: list[list[str]] = []
    inline: list[str] = []

    def flush() -> None:
        text = collapse("".join(inline)).strip(" ")
        inline.clear()
        if text.strip(" " + HARD_BREAK):
            blocks.append(wrap(text, width))

    for child in children:
        if isinstance(child, str) or child.tag not in _BLOCKS:
            inline.append(child if isinstance(child, str) else _inline(child))
            continue
        flush()
        blocks.extend(_block(child, width))
    flush()
    return blocks


def _inline(node: _Node) -> str:
    if node.tag in _SKIP:
        return ""
    if node.tag == "br":
        return HARD_BREAK
    if node.tag == "img":
        alt = " ".join(node.attrs.get("alt", "").split())
        return f"[{alt}]" if alt else ""
    text = "".join(c if isinstance(c, str) else _inline(c) for c in node.children)
    href = node.attrs.get("href", "") if node.tag == "a" else ""
    shown = " ".join(collapse(text).split())
    if not href or href.removeprefix("mailto:") == shown:
        return text
    return f"{text} ({href})" if shown else href


def _block(node: _Node, width: int) -> list[list[str]]:
    if node.tag == "pre":
        code = "".join(c if isinstance(c, str) else _inline(c) for c in node.children).strip("\n")
        return [["    " + line if line.strip() else "" for line in code.splitlines()]] if code.strip() else []
    if node.tag == "hr":
        return [["-" * min(width, 20)]]
    if node.tag == "blockquote":
        inner = _blocks(node.children, width - 2)
        return [[f"> {line}".rstrip() for line in _join(inner, blank=True)]] if inner else []
    if node.tag in ("ul", "ol"):
        return _list(node, width)
    if node.tag == "table":
        return _table(node, width)
    return _blocks(node.children, width)


def _join(blocks: list[list[str]], blank: bool) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if lines and blank:
            lines.append("")
        lines.extend(block)
    return lines


def _list(node: _Node, width: int) -> list[list[str]]:
    start = int(node.attrs["start"]) if node.attrs.get("start", "").isdigit() else 1
    lines: list[str] = []
    items = [c for c in node.children if isinstance(c, _Node) and c.tag == "li"]
    for n, li in enumerate(items, start):
        mark = f"{n}. " if node.tag == "ol" else "- "
        body = _join(_blocks(li.children, width - len(mark)), blank=False) or [""]
        lines += [mark + body[0]] + [" " * len(mark) + line if line else "" for line in body[1:]]
    return [lines] if lines else []


def _table(node: _Node, width: int) -> list[list[str]]:
    rows: list[list[tuple[str, bool]]] = []  # cells: (text, is a header)

    def walk(n: _Node) -> None:
        for child in n.children:
            if isinstance(child, _Node) and child.tag == "tr":
                cells = [c for c in child.children if isinstance(c, _Node) and c.tag in ("td", "th")]
                rows.append([(" ".join(collapse(_inline(c)).replace(HARD_BREAK, " ").split()), c.tag == "th")
                             for c in cells])
            elif isinstance(child, _Node) and child.tag in ("thead", "tbody", "tfoot"):
                walk(child)

    walk(node)
    rows = [row for row in rows if any(text for text, _ in row)]
    if not rows:
        return []
    count = max(len(row) for row in rows)
    grid = [[text for text, _ in row] + [""] * (count - len(row)) for row in rows]
    header = all(is_th for _, is_th in rows[0])
    body = grid[1:] if header else grid
    numeric = [bool(body) and all(is_number(row[i]) or not row[i] for row in body) for i in range(count)]
    sizes = [max(columns(row[i]) for row in grid) for i in range(count)]
    if sum(sizes) + 2 * (count - 1) > width:  # too wide: one "header: value" line per cell, a row per block
        names = grid[0] if header else [""] * count
        return [[line for name, value in zip(names, row, strict=True) if value
                 for line in wrap(f"{name}: {value}" if name else value, width)] for row in body]

    def line(row: list[str]) -> str:
        cells = [" " * (size - columns(text)) + text if right else text + " " * (size - columns(text))
                 for text, size, right in zip(row, sizes, numeric, strict=True)]
        return "  ".join(cells).rstrip()

    lines = [line(row) for row in grid]
    if header:
        lines.insert(1, "  ".join("-" * size for size in sizes))
    return [lines]

