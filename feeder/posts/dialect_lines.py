"""kramdown's block rules (Jekyll 4, GFM input) rewritten, line by line, into what Python-Markdown reads alike.

Python-Markdown stays the engine (it renders CJK emphasis such as ``**…、**`` as
authors mean it), but kramdown differs from it in a few block rules that real
Jekyll posts lean on.  One pass over the lines, outside fenced code and raw
``<pre>``/``<script>`` blocks, evens them out:

- a list may follow a paragraph line without a blank line (a blank line goes in);
- nested list items are indented to their parent's text (2 spaces under ``-``,
  3 under ``1.``), where Python-Markdown wants 4: list lines are re-indented by
  nesting depth, and so are their continuation lines and fenced code;
- a block attribute list ``{: …}`` on a line of its own applies to the block
  just before it (or, after a blank line, to the one after it): the line becomes
  a marker paragraph that :mod:`feeder.posts.dialect` applies and removes.
  Definitions (``{:name: …}``) and extensions (``{::comment}``…``{:/comment}``,
  ``{::options …/}``) are never printed;
- an ATX heading needs a space after its ``#``s: ``#hashtag`` stays text;
- kramdown's end-of-block line ``^`` ends the list or quote before it, and is not printed;
- fenced code is set apart from the lines around it by blank lines;
- an HTML element that holds, tag in tag, one with ``markdown="1"`` gets it too (Python-Markdown's rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"  # private-use characters: no post means them as text
MARKER = re.compile(f"{MARK_OPEN}ial(\\d+)([<>]){MARK_CLOSE}")
_FENCE = re.compile(r"^( *)(`{3,}|~{3,})")
_ITEM = re.compile(r"^( *)([*+-]|\d{1,9}\.)([ \t]+)(?=\S)")
_RULE = re.compile(r"^ {0,3}([-*_])(?: *\1){2,} *$")
_HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")
_ATX = re.compile(r"^(#{1,6})(?=[^#\s])")
_IAL = re.compile(r"^ {0,3}\{:(?![:/])((?:\\\}|[^}])+)\}\s*$")
_ALD = re.compile(r"^ {0,3}\{:\w[\w-]*:(?:\\\}|[^}])+\}\s*$")
_EXTENSION = re.compile(r"^ {0,3}\{::(\w+)(?:\s(?:\\\}|[^}])*?)?(/)?\}\s*$")
_EXTENSION_END = re.compile(r"^ {0,3}\{:/(\w+)?\}\s*$")
_TABLE_RULE = re.compile(r"^ {0,3}\|[-=:|+ ]*[-=]{3}[-=:|+ ]*$")
_END_OF_BLOCK = re.compile(r"^ {0,3}\^\s*$")  # kramdown's end-of-block marker
_LONE_TAG = re.compile(r"^<([a-z][a-z0-9]*)\b(?![^>]*\bmarkdown=)[^>]*>\s*$")  # <aside class="x"> on its own
_MARKDOWN_TAG = re.compile(r"^\s*<[a-z][a-z0-9]*\b[^>]*\bmarkdown=[\"']?(?:1|block)\b[^>]*>\s*$")
_RAW_HTML = re.compile(r"^ {0,3}<(pre|script|style|textarea)[\s>]", re.IGNORECASE)


@dataclass
class _Item:
    """An open list item: the column its text starts at in the source, and in the output."""

    source: int
    output: int


@dataclass
class _State:
    out: list[str] = field(default_factory=list)
    ials: list[str] = field(default_factory=list)
    items: list[_Item] = field(default_factory=list)  # the open list items, outermost first
    blank: bool = True  # was the last line blank (or is this the start)?
    paragraph: bool = False  # was the last line text that a list may interrupt?
    fence_closed: bool = False  # was the last line a closing fence (a blank line goes in before what follows)?
    table_rows: int = 0  # table lines (``|…``) so far in a row
    quote_ended: bool = False  # did a blockquote end just before the blank lines before this line?


def rewrite(text: str) -> tuple[str, list[str]]:
    """*text* with kramdown's block rules made Python-Markdown's, and the block IALs its markers stand for."""
    state = _State()
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if state.fence_closed and line.strip() and not _IAL.match(line):
            state.out.append("")  # Python-Markdown would run the next line into the code's placeholder
        state.fence_closed = False
        fence = _FENCE.match(line)
        if fence:
            index = _fenced(state, lines, index, fence)
        elif _RAW_HTML.match(line) and not state.items:
            index = _raw_html(state, lines, index)
        elif _LONE_TAG.match(line) and not state.items and _holds_markdown(lines, index):
            _line(state, line.rstrip()[:-1] + ' markdown="1">')
        elif _EXTENSION.match(line) or _EXTENSION_END.match(line):
            index = _extension(lines, index)
        elif _ALD.match(line):
            continue
        elif _END_OF_BLOCK.match(line):
            _separate(state)
        elif match := _IAL.match(line):
            _ial(state, match.group(1), lines[index] if index < len(lines) else "")
        else:
            _line(state, line)
    return "\n".join(state.out), state.ials


def _holds_markdown(lines: list[str], index: int) -> bool:
    """Do the lines from *index* open, tag on tag, an element with ``markdown="1"``?

    kramdown reads Markdown in such an element wherever it sits; Python-Markdown only when every
    element around it says so too (minimal-mistakes' ``toc`` include: ``<aside>`` around ``<nav markdown="1">``).
    """
    for line in lines[index:index + 8]:
        if _MARKDOWN_TAG.match(line):
            return True
        if line.strip() and not _LONE_TAG.match(line):
            return False
    return False


def _ial(state: _State, attributes: str, following: str) -> None:
    """A marker paragraph: "<" applies to the block before (no blank line between), ">" to the block after."""
    direction = "<" if not state.blank else ">"
    if direction == ">" and not following.strip():
        return  # kramdown keeps it for the next block; after a blank line there is none it can reach reliably
    state.ials.append(attributes)
    state.out.extend(["", f"{MARK_OPEN}ial{len(state.ials) - 1}{direction}{MARK_CLOSE}", ""])
    state.items.clear()
    state.blank, state.paragraph = True, False


def _separate(state: _State) -> None:
    """kramdown's ``^`` line: the block before ends there (a list does not take the code after it)."""
    state.ials.append("")
    state.out.extend(["", f"{MARK_OPEN}ial{len(state.ials) - 1}<{MARK_CLOSE}", ""])
    state.items.clear()
    state.blank, state.paragraph = True, False


def _extension(lines: list[str], index: int) -> int:
    """A ``{::comment}`` block is dropped whole; other tags (``{::nomarkdown}``, ``{::options …/}``) alone."""
    match = _EXTENSION.match(lines[index - 1])
    if match and not match.group(2) and match.group(1) == "comment":
        while index < len(lines) and not _EXTENSION_END.match(lines[index]):
            index += 1
        index += 1
    return index


def _raw_html(state: _State, lines: list[str], index: int) -> int:
    """A ``<pre>``-like HTML block copied as it is, up to its closing tag."""
    tag = _RAW_HTML.match(lines[index - 1]).group(1).lower()  # type: ignore[union-attr]
    closing = f"</{tag}"
    start = index - 1
    while index <= len(lines) and closing not in lines[index - 1].lower():
        index += 1
    index = min(index, len(lines))
    state.out.extend(lines[start:index])
    state.blank, state.paragraph = False, False
    return index


def _fenced(state: _State, lines: list[str], index: int, fence: re.Match[str]) -> int:
    """Fenced code copied as it is, set apart by blank lines, re-indented with the list item it belongs to."""
    line = lines[index - 1]
    indent, marks = len(fence.group(1)), fence.group(2)
    shift = 0
    if state.items:
        owner = _owner(state, indent, close=state.blank)
        if owner is None:
            state.items.clear()
        else:
            shift = owner.output + (indent - owner.source) - indent
    elif indent > 3:
        _line(state, line)  # indented code that happens to start with backticks
        return index
    if not state.blank:
        state.out.append("")
    block = [line]
    while index < len(lines):
        block.append(lines[index])
        index += 1
        if _closes(block[-1], marks):
            break
    for text in block:
        if shift > 0:
            text = " " * shift + text
        elif shift < 0 and text[:-shift].strip() == "":
            text = text[-shift:]
        state.out.append(text)
    state.blank, state.paragraph, state.fence_closed = False, False, True
    return index


def _closes(line: str, marks: str) -> bool:
    """Does *line* close a fence opened with *marks* (as many of the same character or more, nothing else)?"""
    text = line.strip()
    return len(text) >= len(marks) and text == marks[0] * len(text)


def _owner(state: _State, indent: int, close: bool) -> _Item | None:
    """The innermost open item whose text column *indent* reaches; with *close*, the items it does not are closed."""
    if close:
        while state.items and indent < state.items[-1].source:
            state.items.pop()
        return state.items[-1] if state.items else None
    return next((item for item in reversed(state.items) if indent >= item.source), None)


def _line(state: _State, line: str) -> None:
    if not line.strip():
        state.out.append(line)
        state.quote_ended = state.quote_ended or (not state.blank and not state.items and _is_quote(state.out[-2:-1]))
        state.blank, state.paragraph, state.table_rows = True, False, 0
        return
    if line.lstrip().startswith("|"):
        state.table_rows += 1
        if state.table_rows > 2 and _TABLE_RULE.match(line):
            return  # kramdown's rule between table bodies (or above its footer): the rows stay, in one body
    else:
        state.table_rows = 0
    if state.quote_ended and state.blank and line.startswith(">"):
        _ial(state, "", line)  # kramdown: a blank line ends a blockquote; Python-Markdown would join the next to it
    state.quote_ended = False
    lead = len(line) - len(line.lstrip())
    if "\t" in line[:lead]:
        line = line[:lead].expandtabs(4) + line[lead:]
    indent = len(line) - len(line.lstrip(" "))
    item = _ITEM.match(line) if not _RULE.match(line) else None
    base = state.items[-1].source if state.items else 0
    if item and indent - base <= 3 and (state.items or indent <= 3):
        _list_item(state, line, item)
        return
    if state.items and state.blank and indent < state.items[0].source:
        state.items.clear()  # a line after a blank line, left of every item's text: the list has ended
    if state.items:
        owner = _owner(state, indent, close=state.blank)
        if owner is not None:  # a line of this item: at its text's column, Python-Markdown's 4 a level
            text = line.lstrip(" ")
            code = indent - owner.source >= 4
            line = " " * (owner.output + indent - owner.source) + (text if code else _atx(text))
        state.out.append(line)  # or, reaching no item, a lazy line of the paragraph it follows
        state.blank, state.paragraph = False, False
        return
    code = state.blank and indent >= 4
    state.out.append(line if code else _atx(line))
    state.paragraph = not code and not _HEADING.match(line) and not line.lstrip().startswith(("|", ">"))
    state.blank = False


def _is_quote(lines: list[str]) -> bool:
    return bool(lines) and lines[0].startswith(">")


def _list_item(state: _State, line: str, item: re.Match[str]) -> None:
    indent, marker, gap = len(item.group(1)), item.group(2), item.group(3)
    if not state.items and state.paragraph:
        state.out.append("")  # kramdown (GFM) lets a list interrupt a paragraph; Python-Markdown wants a blank line
    while state.items and indent < state.items[-1].source:
        state.items.pop()
    column = state.items[-1].output if state.items else 0
    width = len(gap.expandtabs(4)) if len(gap.expandtabs(4)) <= 4 else 1
    state.items.append(_Item(indent + len(marker) + width, column + 4))
    rest = line[item.end():]
    state.out.append(" " * column + marker + " " + _atx(rest))
    state.blank, state.paragraph = False, False


def _atx(line: str) -> str:
    """A line starting with ``#`` and no space after the ``#``s: the ``#`` escaped, so it stays text."""
    return "\\" + line if _ATX.match(line) else line
