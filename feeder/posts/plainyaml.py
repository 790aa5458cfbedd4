"""The plain subset of YAML that nearly all front matter is, read without a full YAML parser.

PyYAML's C loader still builds every value in Python, and was more than half
the cost of reading a post.  Front matter is almost always one ``key: value``
per line (a value being a scalar, a ``[flow, list]`` or a block list of
``- items``), so :func:`load_plain` reads exactly that shape and answers None
for anything else, which then goes to the real YAML loader.  Each scalar is
typed by PyYAML's own resolver and built by its own constructors, so the result
is the one ``yaml.safe_load`` gives; a property test holds it to that.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from yaml import ScalarNode
from yaml.constructor import SafeConstructor
from yaml.reader import Reader
from yaml.resolver import Resolver

# Every pattern here runs in time linear in the line, whatever the line (tests/test_patterns.py):
# no two quantifiers may compete for the same characters.  A value starts with a non-space, so
# the spaces before it go to [ ]+ alone (`[ ]+(.*[^ ])` made a line of spaces quadratic: 3 s at
# 20,000); greedy, not lazy, up to the last non-space (a lazy .*? before [ ]* was 8 times slower).
_KEY_VALUE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?:[ ]+([^ ](?:.*[^ ])?))?[ ]*")
_BLOCK_ITEM = re.compile(r"([ ]*)-[ ]+([^ ](?:.*[^ ])?)[ ]*")
# Escapes: only \" and \\.  Unrolled: runs of plain characters, each escape between two.  The old
# (?:[^"\\]+|\\["\\])* could split a run in exponentially many ways: an unclosed quote of 30
# characters took a minute, and `feeder check` hung on one typo.
_DOUBLE = re.compile(r'"([^"\\]*(?:\\["\\][^"\\]*)*)"')
_ESCAPED = re.compile(r'\\(["\\])')
_SINGLE = re.compile(r"'([^']*)'")
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")  # a plain scalar starting with one is not plain
_FLOW = set("[]{},:?#")  # inside a flow list these end (or may end) a plain scalar, as PyYAML scans it
_IN_FLOW = _INDICATORS | _FLOW
_QUOTED = re.compile(r'"([^"\\]*)"')  # a double-quoted scalar without escapes: its text as is
_QUOTED_LIST = re.compile(r'\[ *(?:"[^"\\]*" *, *)*"[^"\\]*" *\]')
# Characters YAML's reader refuses (its own pattern, compiled once by PyYAML: compiling one
# like it costs 5 ms of start-up), and those it reads as line breaks or tabs: a document
# with any goes to YAML, for its error message or its reading.
_NON_PRINTABLE = Reader.NON_PRINTABLE
_SPECIAL = ("\t", "\r", "\x85", "\u2028", "\u2029")
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_SCALARS = {tag: SafeConstructor.yaml_constructors[tag] for tag in (
    _STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp")}
_NO = object()  # "not plain": a value that must go to YAML (None is a real value here)


def load_plain(front: str) -> dict[str, Any] | None:
    """*front* as ``yaml.safe_load`` reads it, when it has the plain shape; otherwise None."""
    if _NON_PRINTABLE.search(front) or any(c in front for c in _SPECIAL):
        return None
    lines = [line for line in front.split("\n") if line and not line.startswith("#")]
    meta: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        match = _KEY_VALUE.fullmatch(lines[i])
        if match is None or match[1] in meta or _key_tag(match[1]) != _STR:
            return None
        i += 1
        if match[2] is None:  # `key:` then a block list, or nothing (null)
            items, indent = [], None
            while i < len(lines) and (item := _BLOCK_ITEM.fullmatch(lines[i])):
                if indent is not None and item[1] != indent:
                    return None
                indent = item[1]
                items.append(_scalar(item[2], _INDICATORS))
                i += 1
            value: Any = items or None
            if any(x is _NO for x in items):
                return None
        else:
            value = _flow_list(match[2]) if match[2].startswith("[") else _scalar(match[2], _INDICATORS)
            if value is _NO:
                return None
        meta[match[1]] = value
    return meta or None  # no keys at all: let YAML say what the document is


def _flow_list(raw: str) -> Any:
    if _QUOTED_LIST.fullmatch(raw):  # the usual tags: ["a", "b c"]
        return _QUOTED.findall(raw)
    if not raw.endswith("]"):
        return _NO
    inner = raw[1:-1].strip(" ")  # YAML separates with spaces; str.strip() also eats U+00A0
    if not inner:
        return []
    items = [_scalar(part.strip(" "), _IN_FLOW) for part in inner.split(",")]
    return _NO if any(item is _NO for item in items) else items


def _scalar(raw: str, forbidden: set[str]) -> Any:
    first = raw[:1]
    if first == '"':
        double = _DOUBLE.fullmatch(raw)
        if double is None:
            return _NO
        return _ESCAPED.sub(r"\1", double[1]) if "\\" in raw else double[1]
    if first == "'":
        single = _SINGLE.fullmatch(raw)
        return _NO if single is None else single[1]
    if not raw or first in forbidden or ": " in raw or " #" in raw or raw.endswith(":"):
        return _NO
    if forbidden is _IN_FLOW and any(c in _FLOW for c in raw):
        return _NO
    tag = _tag(raw)
    build = _SCALARS.get(tag)
    return _NO if build is None else build(_CONSTRUCTOR, ScalarNode(tag, raw))


@lru_cache(maxsize=1024)
def _key_tag(key: str) -> str:
    """Keys repeat in every post (title, date, tags…): resolve each spelling once."""
    return _tag(key)


def _tag(plain: str) -> str:
    return _RESOLVER.resolve(ScalarNode, plain, (True, False))
