"""Python-Markdown's block parser, without offering blocks to processors that cannot take them.

After the inline pass, splitting a post into blocks is the largest part of
rendering it: every block (a paragraph, say) is offered to each block
processor in turn (headings, rules, quotes, tables, footnotes, definitions,
abbreviations, references, HTML placeholders, ...) until one takes it, and
most offers are a regular-expression search over the whole block that finds
nothing.  A paragraph of prose holds no ``#``, ``>``, ``|``, ``]:`` or ``:``
at all.  This parser asks first whether the block holds a string the
processor cannot take a block without, and skips the offer when it does not.

The output is the same by construction: a skipped processor is one whose
``test`` would have said no, or whose ``run`` would have put the block back
and said no (Python-Markdown then moves on to the next processor in exactly
that case).  Processors are recognised by their exact class and expression, so
one that an extension (or a new Markdown release) changes is simply always
offered, as before; a processor may also declare its own ``needs``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

_STX = "\x02"  # Markdown's placeholder for stashed raw HTML begins with it
# (module, class) -> (the attribute holding its expression, that expression, strings of which a block it takes has one)
_KNOWN: dict[tuple[str, str], tuple[str | None, str | None, tuple[str, ...]]] = {
    ("markdown.blockprocessors", "HashHeaderProcessor"): (
        "RE", r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)", ("#",)),
    ("markdown.blockprocessors", "SetextHeaderProcessor"): ("RE", r"^.*?\n(?:=+|-+)[ ]*(\n|$)", ("\n=", "\n-")),
    ("markdown.blockprocessors", "HRProcessor"): (
        "SEARCH_RE", r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
                     r"(?P=atomicgroup)[ ]*$", ("-", "_", "*")),
    ("markdown.blockprocessors", "BlockQuoteProcessor"): ("RE", r"(^|\n)[ ]{0,3}>[ ]?(.*)", (">",)),
    ("markdown.blockprocessors", "ReferenceProcessor"): (
        "RE", r'^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$',
        ("]:",)),
    ("markdown.extensions.tables", "TableProcessor"): (None, None, ("|",)),  # a header row is split on pipes
    ("markdown.extensions.footnotes", "FootnoteBlockProcessor"): ("RE", r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$", ("[^",)),
    ("markdown.extensions.def_list", "DefListProcessor"): ("RE", r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)", (":",)),
    ("markdown.extensions.abbr", "AbbrBlockprocessor"): (
        "RE", r"^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$", ("*[",)),
    ("markdown.extensions.md_in_html", "MarkdownInHtmlProcessor"): (None, None, (_STX,)),  # a placeholder first
}


def needs(processor: Any) -> tuple[str, ...] | None:
    """What a block *processor* takes must contain, or None when this module does not know the processor."""
    declared = getattr(processor, "needs", None)
    if declared is not None:
        return tuple(declared)
    cls = type(processor)
    known = _KNOWN.get((cls.__module__, cls.__qualname__))
    if known is None:
        return None
    attribute, expression, required = known
    if attribute is not None and getattr(getattr(processor, attribute, None), "pattern", None) != expression:
        return None  # changed by a subclass, an option or a new release: offer it everything, as Markdown does
    return required


def register(md: Any) -> None:
    """Give *md*'s block parser the skipping loop; call it after every extension has added its processors.

    Also: Markdown asks whether a tag is block-level about 70 times a post (the
    serializer, the pretty-printer, attribute lists), and each answer scanned a
    list of some 50 names.  Extensions add to that list while the converter is
    built, never after: it is frozen here (a later change would fail loudly,
    not go unseen) and read as a set.
    """
    md.parser.__class__ = _skipping_class()
    md.block_level_elements = tuple(md.block_level_elements)
    names = frozenset(md.block_level_elements)
    md.is_block_level = lambda tag: isinstance(tag, str) and tag.lower().rstrip("/") in names


@cache
def _skipping_class() -> type:
    """The parser's class, made on first use: Markdown is imported only when a post is rendered."""
    from markdown.blockparser import BlockParser

    class SkippingBlockParser(BlockParser):
        """Markdown's block parser; offers a block only to the processors that could take it."""

        _offers: list[tuple[Any, tuple[str, ...] | None]]  # set by parseDocument, for the document it parses

        def parseDocument(self, lines: Any) -> Any:
            """The stock parse, with the processors and what each needs read once per document from the registry."""
            self._offers = [(processor, needs(processor)) for processor in self.blockprocessors]
            return super().parseDocument(lines)

        def parseBlocks(self, parent: Any, blocks: list[str]) -> None:
            """The stock loop but for the test before each offer, and a list instead of the registry."""
            offers = self._offers if hasattr(self, "_offers") else [(p, needs(p)) for p in self.blockprocessors]
            while blocks:
                for processor, need in offers:
                    if need is not None:
                        block = blocks[0]  # read afresh: a processor that said no may have changed it
                        for part in need:  # a loop, not any(): this runs for every block and processor
                            if part in block:
                                break
                        else:
                            continue
                    if processor.test(parent, blocks[0]) and processor.run(parent, blocks) is not False:
                        break

    return SkippingBlockParser
