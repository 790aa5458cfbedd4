"""A post file's bytes: decoded, and split where its front matter ends.

Jekyll's rules: the file starts with a ``---`` line, YAML follows until a ``---``
(or ``...``) line, then the Markdown.  Files may be UTF-8 with or without a
byte-order mark, with LF or CRLF line ends (a body may also use CR alone; front
matter cannot, as its fences are found by LF); every problem is a
:class:`PostError` with the line, so the author knows where to look.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import yaml

from feeder import yamlload
from feeder.errors import PostError
from feeder.posts.plainyaml import load_plain
from feeder.text import clean_text

_FENCE = re.compile(rb"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


def decode(path: str, data: bytes, first_line: int = 1, offset: int = 0) -> str:
    """UTF-8 (a byte-order mark is dropped), with CRLF and CR made LF.

    *data* may be a slice of a file: *first_line* and *offset* say where it
    starts, so an error names the file's line and byte.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + first_line
        raise PostError(path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {offset + exc.start}); "
                        "save the file as UTF-8", line) from None
    # XML 1.0 forbids C0 controls: drop them here, once, so YAML accepts the front matter
    # and the post is published without them rather than lost.
    return clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))


def read_front_matter(path: str, data: bytes) -> tuple[str, int]:
    """The front matter of a post file, decoded, and the line where its body starts.

    Only the front matter is decoded here: decoding a whole 9 KB body costs as
    much as parsing its YAML, and the body is decoded (and checked) anyway when
    it is rendered, which happens only for posts that reach an output.
    """
    start, stop, fence_end = _front_matter_bounds(path, data)
    return decode(path, data[start:stop], 2, start), data.count(b"\n", 0, fence_end) + 2


def split_front_matter(path: str, data: bytes) -> tuple[str, str, int]:
    """(front matter, body, line where the body starts) of a whole post file, both decoded.

    The bounds are :func:`read_front_matter`'s, found in the same bytes, so a
    file the collection accepted is split the same way when it is rendered.
    """
    start, stop, fence_end = _front_matter_bounds(path, data)
    body_line = data.count(b"\n", 0, fence_end) + 2
    # The body is decoded from the fence line's own line end, dropped after: a U+FEFF
    # that starts the body is text, not a byte-order mark.
    body = decode(path, data[fence_end:], body_line - 1, fence_end)[1:]
    return decode(path, data[start:stop], 2, start), body, body_line


def _front_matter_bounds(path: str, data: bytes) -> tuple[int, int, int]:
    """Where the front matter starts and stops in *data*, and where its closing fence's line ends.

    The one statement of Jekyll's rule: after an optional byte-order mark, a
    first line of ``---`` (trailing blanks allowed), then YAML up to the first
    ``---`` or ``...`` line.  It works on the file's bytes, so a post's front
    matter is found without decoding its body, and found the same way for
    every reader.
    """
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if not data[skip:].strip():
        raise PostError(path, "empty file; a post needs front matter between '---' lines, then Markdown")
    first_end = data.find(b"\n", skip)
    if (data[skip:first_end] if first_end >= 0 else data[skip:]).rstrip() != b"---":
        raise PostError(path, "no front matter: a post must start with a '---' line, then YAML, then '---'", 1)
    end = _FENCE.search(data, first_end + 1) if first_end >= 0 else None  # a lone '---' does not close itself
    if end is None:
        raise PostError(path, "front matter is never closed: add a '---' line after the YAML", 1)
    return first_end + 1, end.start(), end.end()


def load_front_matter(path: str, front: str) -> dict[Any, Any]:
    """The front matter's mapping: the plain shape read directly, anything else by YAML, with bounds.

    YAML's nesting and alias expansion are bounded (see :mod:`feeder.yamlload`):
    a document over a bound is an invalid post, with the line.
    """
    try:
        meta = (load_plain(front) or yamlload.load(front)) if front.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        start = getattr(exc, "context_mark", None)
        if "end of stream" in problem and start:  # e.g. a quote never closed: where it opened is what to fix
            line, problem = start.line + 2, f"{problem} {exc.context}"  # type: ignore[attr-defined]
        if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses (C1 controls)
            line = front.count("\n", 0, exc.position) + 2
            problem = f"character U+{exc.character:04X} is not allowed; remove it"
        raise PostError(path, f"invalid YAML in front matter: {problem}", line) from None
    except ValueError as exc:  # PyYAML builds timestamps itself: `date: 2025-02-30` raises ValueError
        raise PostError(path, f"invalid date in front matter: {exc}", _bad_value_line(front)) from None
    if not isinstance(meta, dict):
        raise PostError(path, f"front matter must be a mapping of keys, got {type(meta).__name__}", 2)
    return meta


def _bad_value_line(front: str) -> int | None:
    """The file line of the first single-line value PyYAML cannot construct (an impossible date)."""
    for number, line in enumerate(front.split("\n"), start=2):
        _, colon, value = line.partition(":")
        if colon and value.strip():
            try:
                yamlload.load(value)
            except ValueError:
                return number
            except yaml.YAMLError:
                continue
    return None
