"""Lines of at most N columns, the way Japanese and English are both broken.

Latin words are never broken (a URL longer than the line gets a line of its
own); between CJK characters a line may break anywhere, except before closing
punctuation (、。」 and the small kana) and after opening brackets (「（),
which stay with their neighbour (kinsoku shori).  A CJK character takes two
columns, as in the terminal or the monospace font a plain-text mail is read in;
a combining mark takes none.  No space is ever added: a break between two CJK
characters just ends the line.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

HARD_BREAK = "\u2028"  # LINE SEPARATOR: a <br> in the text, kept through whitespace collapsing
# Never first on a line: closing punctuation, iteration marks, small kana, the prolonged sound mark.
NO_START = set("、。，．・：；？！ー—…‥」』）］｝〉》】〕〙〗々ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"  # noqa: RUF001
               "%％,.;:!?)]}”’")
NO_END = set("「『（［｛〈《【〔〘〖“‘([{")  # noqa: RUF001  never last on a line: opening brackets and quotes


@cache
def wide() -> Any:
    """A character lines may break around with no space (CJK, Thai, full-width forms); ``regex`` is
    imported on first use (15 ms)."""
    import regex

    return regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\u3000-\u303f\uff00-\uffef]")


@cache
def _token() -> Any:
    """Spaces (not a hard break), one wide grapheme, or a run of anything else but space."""
    import regex

    return regex.compile(r"[^\S\u2028]+"
                         r"|(?=[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\u3000-\u303f\uff00-\uffef])\X"
                         r"|(?:(?![\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\u3000-\u303f\uff00-\uffef])\S)+")


def columns(text: str) -> int:
    """How many columns *text* takes in a monospace font: 2 for wide characters, 0 for combining marks."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def wrap(text: str, width: int = 72) -> list[str]:
    """*text* (whitespace already collapsed; :data:`HARD_BREAK` where a line must end) in lines of ≤ *width*."""
    lines: list[str] = []
    for paragraph in text.split(HARD_BREAK):
        lines.extend(_wrap_one(paragraph.strip(), width))
    return lines


def _wrap_one(text: str, width: int) -> list[str]:
    units: list[list[Any]] = []  # [text, columns, a space before it]
    space = False
    for token in _token().findall(text):
        if token.isspace():
            space = True
            continue
        if units and not space and (token[0] in NO_START or units[-1][0][-1] in NO_END):
            units[-1][0] += token  # kinsoku: glued to its neighbour, so no line starts or ends with it
            units[-1][1] += columns(token)
        else:
            units.append([token, columns(token), space])
        space = False
    lines: list[str] = []
    line, used = "", 0
    for token, cols, spaced in units:
        gap = 1 if spaced and line else 0
        if line and used + gap + cols > width:
            lines.append(line)
            line, used = token, cols
        else:
            line, used = line + " " * gap + token, used + gap + cols
    if line:
        lines.append(line)
    return lines
