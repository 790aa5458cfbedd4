"""Heading ids as kramdown's ``auto_ids`` makes them, and its ``{:toc}`` table of contents.

Jekyll 4 reads Markdown with kramdown's GFM parser, whose ids are GitHub's:
lowercased, every character that is not a letter, mark, digit, ``_``, ``-`` or
space removed, spaces made ``-``; a repeated id gets ``-1``, ``-2``…; an id that
comes out empty is left off.  With ``input: kramdown`` the ids are kramdown's
own: leading characters up to the first ASCII letter removed, only ASCII
letters, digits, spaces and ``-`` kept, spaces made ``-``, lowercased,
``section`` when nothing is left, repeats ``-1``, ``-2``….  Either way an id the
author gave (``{#id}``) wins.  Links into a post (``post/#heading``) and
the ``{:toc}`` list rely on these.
"""

from __future__ import annotations

import copy
import html
from collections import Counter
from collections.abc import Collection, Iterable
from functools import cache
from typing import Any
from xml.etree import ElementTree as etree

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
TOC_FLAG = "data-feeder-toc"  # set on the list that ``{:toc}`` replaces; never printed
MARKDOWN_HEADING = "data-feeder-heading"  # set on headings written in Markdown (not raw HTML); never printed


@cache
def _non_word() -> Any:
    import regex

    return regex.compile(r"[^\p{L}\p{M}\p{Nd}\p{Pc}\- \t]")


def gfm_id(text: str, seen: Counter[str]) -> str:
    """The id kramdown's GFM parser gives a heading reading *text*; *seen* counts the ids given so far."""
    result = _non_word().sub("", text.lower()).replace(" ", "-").replace("\t", "-")
    count = seen[result]
    seen[result] += 1
    return f"{result}-{count}" if count else result


def kramdown_id(text: str, seen: Counter[str]) -> str:
    """The id kramdown's own parser gives a heading reading *text* (``input: kramdown``)."""
    start = next((i for i, char in enumerate(text) if char.isascii() and char.isalpha()), len(text))
    kept = "".join(char for char in text[start:] if char.isascii() and (char.isalnum() or char in " -"))
    result = kept.replace(" ", "-").lower() or "section"
    count = seen[result]
    seen[result] += 1
    return f"{result}-{count}" if count else result


def assign_ids(root: etree.Element, text_of: Any, gfm: bool, prefix: str, enabled: bool = True) -> None:
    """Every Markdown heading under *root* without an id gets kramdown's (if *enabled*: ``auto_ids``).

    *text_of* gives a heading's plain text.  Headings of raw HTML get none, as in kramdown.
    """
    seen: Counter[str] = Counter()
    make = gfm_id if gfm else kramdown_id
    for element in _headings(root):
        if element.attrib.pop(MARKDOWN_HEADING, None) is not None and enabled and element.get("id") is None:
            found = make(html.unescape(text_of(element)), seen)
            if found:
                element.set("id", prefix + found)


def _headings(root: etree.Element) -> list[etree.Element]:
    return [element for element in root.iter() if element.tag in HEADINGS]


def build_tocs(root: etree.Element, levels: Collection[int]) -> None:
    """Each list marked ``{:toc}`` replaced by kramdown's ``<ul id="markdown-toc">`` of the headings with ids.

    Only headings of *levels* (``toc_levels``) are listed, and none of class ``no_toc``.
    """
    marked = [(parent, child) for parent in root.iter() for child in parent if child.get(TOC_FLAG) is not None]
    if not marked:
        return
    headings = [h for h in _headings(root) if h.get("id") and int(h.tag[1]) in levels
                and "no_toc" not in (h.get("class") or "").split()]
    for parent, old in marked:
        toc = _toc_list(headings)
        toc.tail = old.tail
        if old.get("class"):
            toc.set("class", old.get("class", ""))
        parent[list(parent).index(old)] = toc


def _toc_list(headings: Iterable[etree.Element]) -> etree.Element:
    """Nested lists by heading level, each entry a link to its heading, as kramdown writes them."""
    top = etree.Element("ul", {"id": "markdown-toc"})
    stack: list[tuple[int, etree.Element]] = [(0, top)]
    for heading in headings:
        level = int(heading.tag[1])
        while len(stack) > 1 and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1]
        if parent.tag == "li":  # a deeper heading: its list goes inside the last entry
            nested = [child for child in parent if child.tag == "ul"]
            parent = nested[0] if nested else etree.SubElement(parent, "ul")
        entry = etree.SubElement(parent, "li")
        link = etree.SubElement(entry, "a", {"href": "#" + heading.get("id", ""),
                                             "id": "markdown-toc-" + heading.get("id", "")})
        link.text = heading.text
        for child in heading:
            link.append(copy.deepcopy(child))
        stack.append((level, entry))
    return top
