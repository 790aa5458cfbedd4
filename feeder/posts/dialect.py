"""The Markdown dialect of a Jekyll 4 site (kramdown, GFM input), spoken by Python-Markdown.

Python-Markdown stays the engine: it renders emphasis around CJK punctuation
(``**…、**``) as authors mean it, where CommonMark engines leave the asterisks.
For a Jekyll site (``config.jekyll``) it gets kramdown's rules on top, from
well-kept extensions where one exists and from small processors where none does:

- block rules rewritten line by line (:mod:`feeder.posts.dialect_lines`): lists
  after a paragraph line, 2-space nesting, ``#`` needing a space, ``{: …}`` lines;
- fenced code with ``` and ``~~~``, also inside list items (pymdownx.superfences),
  written ``<pre><code class="language-X">`` as kramdown does with no highlighter;
- ``~~strikethrough~~`` (pymdownx.tilde) and ``- [x]`` task lists (pymdownx.tasklist;
  the checkbox becomes ☑/☐, which a reader shows where it drops form inputs);
- smart quotes and ``--``/``---``/``...``/``<<``/``>>`` by kramdown's own rules, with the
  site's ``smart_quotes`` (:mod:`feeder.posts.typography`);
- tables, footnotes, definition lists, abbreviations, ``{: …}`` after inline
  elements (Python-Markdown's own); ``hard_wrap`` (nl2br) when the site sets it;
- heading ids and ``{:toc}`` as kramdown makes them (:mod:`feeder.posts.heading_ids`).

A site that is not a Jekyll site keeps the plain converter of
:mod:`feeder.posts.render`, byte for byte.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as etree

from feeder.jekyll_site import Kramdown
from feeder.posts import blocks, idle, inline
from feeder.posts.dialect_lines import MARK_OPEN, MARKER, rewrite
from feeder.posts.heading_ids import HEADINGS, MARKDOWN_HEADING, TOC_FLAG, assign_ids, build_tocs
from feeder.posts.typography import Typography

_STASHED = re.compile("^\x02wzxhzdk:(\\d+)\x03$")  # Python-Markdown's placeholder for a stashed HTML block
_STASHED_START = re.compile("\x02wzxhzdk:(\\d+)\x03")
_FIRST_TAG = re.compile(r"^(\s*<[A-Za-z][\w-]*)([^>]*?)(/?>)")
_ATTRIBUTE = re.compile(r'\s([\w:-]+)="([^"]*)"')
_BOXES = {True: "\u2611 ", False: "\u2610 "}  # ☑ ☐


@dataclass(frozen=True)
class Dialect:
    """The kramdown options of a Jekyll site that change its HTML (Jekyll 4's defaults)."""

    gfm: bool = True  # input: GFM (GitHub-style heading ids); False for input: kramdown
    auto_ids: bool = True
    auto_id_prefix: str = ""
    smart_quotes: tuple[str, str, str, str] = ("lsquo", "rsquo", "ldquo", "rdquo")
    typographic: bool = True  # --, ---, ..., << and >> made typographic (off with gfm_quirks: no_auto_typographic)
    symbols: tuple[tuple[str, str], ...] = ()  # typographic_symbols: kramdown's name → the text written instead
    hard_wrap: bool = False
    toc_levels: tuple[int, ...] = (1, 2, 3, 4, 5, 6)

    @classmethod
    def of(cls, options: Kramdown) -> Dialect:
        """The dialect of a site's kramdown options; quotes that are not four entities keep kramdown's default."""
        names = tuple(name.strip() for name in options.smart_quotes.split(","))
        if len(names) != 4 or not all(re.fullmatch(r"[A-Za-z]\w*|\d+", name) for name in names):
            names = cls.smart_quotes
        return cls(gfm=options.input.lower() != "kramdown", auto_ids=options.auto_ids,
                   auto_id_prefix=options.auto_id_prefix, smart_quotes=(names[0], names[1], names[2], names[3]),
                   typographic="no_auto_typographic" not in options.gfm_quirks,
                   symbols=tuple(sorted((str(k), str(v)) for k, v in options.typographic_symbols.items())),
                   hard_wrap=options.hard_wrap, toc_levels=tuple(options.toc_levels))


def converter(dialect: Dialect) -> Any:
    """A Python-Markdown converter speaking *dialect*; extensions passed as objects (no entry-point scan)."""
    import markdown
    from markdown.extensions.abbr import AbbrExtension
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.def_list import DefListExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.md_in_html import MarkdownInHtmlExtension
    from markdown.extensions.nl2br import Nl2BrExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension
    from pymdownx.highlight import HighlightExtension
    from pymdownx.superfences import SuperFencesCodeExtension
    from pymdownx.tasklist import TasklistExtension
    from pymdownx.tilde import DeleteSubExtension

    extensions: list[Any] = [
        _kramdown_blocks(dialect),
        HighlightExtension(use_pygments=False, css_class=""),  # <pre><code class="language-X">, as kramdown's
        SuperFencesCodeExtension(), TableExtension(), FootnoteExtension(), SaneListExtension(),
        DefListExtension(), AbbrExtension(), AttrListExtension(), MarkdownInHtmlExtension(),
        DeleteSubExtension(subscript=False), TasklistExtension(),
    ]
    if dialect.hard_wrap:
        extensions.append(Nl2BrExtension())
    md: Any = markdown.Markdown(extensions=extensions, output_format="html")
    inline.register(md)  # the plain renderer's faster inline pass: text goes only to patterns that can match it
    if "delimiter" in md.inlinePatterns:
        md.inlinePatterns["delimiter"].needs = ("~",)  # pymdownx.tilde's ~~deleted~~
    blocks.register(md)  # and blocks go only to processors that can take them
    idle.register(md)  # and the raw-HTML and attribute-list passes skip a post that has neither
    return md


def _kramdown_blocks(dialect: Dialect) -> Any:
    """The processors of this dialect that no extension provides, as one extension around Python-Markdown's own."""
    from markdown.blockprocessors import HashHeaderProcessor, SetextHeaderProcessor
    from markdown.extensions import Extension
    from markdown.extensions.attr_list import AttrListTreeprocessor
    from markdown.extensions.toc import remove_fnrefs, render_inner_html, strip_tags
    from markdown.inlinepatterns import InlineProcessor
    from markdown.postprocessors import Postprocessor
    from markdown.preprocessors import Preprocessor
    from markdown.treeprocessors import Treeprocessor

    ials: list[str] = []  # the block IALs of the text being converted, by marker number
    typography = Typography(dialect.smart_quotes, dialect.typographic, dict(dialect.symbols))

    class Lines(Preprocessor):
        def run(self, lines: list[str]) -> list[str]:
            text, found = rewrite("\n".join(lines))
            ials[:] = found
            return text.split("\n")

    class BlockAttributes(Treeprocessor):
        def run(self, root: etree.Element) -> None:
            _apply_ials(root, ials, self.md, AttrListTreeprocessor(self.md))

    class Finish(Treeprocessor):
        def run(self, root: etree.Element) -> None:
            _tick_boxes(root, self.md)
            _kramdown_footnotes(root)
            typography.apply(root)
            def text_of(element: etree.Element) -> str:
                if not len(element) and "\x02" not in (element.text or ""):  # plain text: no need to render
                    return element.text or ""
                return str(strip_tags(render_inner_html(remove_fnrefs(element), self.md)))
            assign_ids(root, text_of, dialect.gfm, dialect.auto_id_prefix, dialect.auto_ids)
            build_tocs(root, dialect.toc_levels)

    class AngleQuotes(InlineProcessor):
        """``<<`` and ``>>`` before Python-Markdown's raw HTML (90) reads ``<<x>>`` as a tag."""

        needs = ("<<", ">>")

        def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:  # type: ignore[override]
            return typography.text(m.group()) or m.group(), m.start(), m.end()

    class NestedBrackets(InlineProcessor):
        """``[[Feature #1]]``: kramdown links the inner reference; Python-Markdown tries the outer one only."""

        needs = ("[[",)

        def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:  # type: ignore[override]
            return "[", m.start(), m.end()

    class Leftovers(Postprocessor):
        """A marker no block took (one inside raw HTML) is never printed."""

        def run(self, text: str) -> str:
            return MARKER.sub("", text) if MARK_OPEN in text else text

    def marking(base: Any) -> Any:
        class Marking(base):
            """Headings written in Markdown are marked: kramdown gives ids to those, not to raw HTML ones."""

            def run(self, parent: etree.Element, blocks: list[str]) -> Any:
                before = len(parent)
                result = super().run(parent, blocks)
                for element in parent[before:]:
                    if element.tag in HEADINGS:
                        element.set(MARKDOWN_HEADING, "")
                return result

        return Marking

    class KramdownBlocks(Extension):
        def extendMarkdown(self, md: Any) -> None:
            for stock, name, priority in ((HashHeaderProcessor, "hashheader", 70),
                                          (SetextHeaderProcessor, "setextheader", 60)):
                processor = marking(stock)(md.parser)
                processor.needs = blocks.needs(stock(md.parser))  # only run() differs: it takes the same blocks
                md.parser.blockprocessors.register(processor, name, priority)
            md.inlinePatterns.register(NestedBrackets(r"\[(?=\[[^\[\]\n]+\]\](?!\())", md), "kramdown_brackets", 175)
            md.postprocessors.register(Leftovers(md), "kramdown_leftovers", 0)
            if dialect.typographic:
                md.inlinePatterns.register(AngleQuotes(r"<<|>>", md), "kramdown_angle_quotes", 95)
            # After the whitespace normalizer (30), before fenced code (superfences, 25) and raw HTML (20).
            md.preprocessors.register(Lines(md), "kramdown_lines", 29)
            md.treeprocessors.register(BlockAttributes(md), "kramdown_ials", 27)  # before inline (20): raw text
            md.treeprocessors.register(Finish(md), "kramdown_ids", 4)  # after attr_list (8): {#id} wins

    return KramdownBlocks()


def _apply_ials(root: etree.Element, ials: list[str], md: Any, attributes: Any) -> None:
    """Each marker paragraph's attributes applied to its block (before or after it), the marker removed."""
    if not ials:
        return
    for parent in list(root.iter()):
        children = list(parent)
        for position, child in enumerate(children):
            match = MARKER.fullmatch(child.text or "") if child.tag == "p" and not len(child) else None
            if not match:
                continue
            step = -1 if match.group(2) == "<" else 1
            index = position + step
            target = children[index] if 0 <= index < len(children) and children[index].get("_gone") is None else None
            if target is not None:
                _assign(target, ials[int(match.group(1))], md, attributes)
            child.set("_gone", "1")
        for child in children:
            if child.get("_gone") is not None:
                if child.tail and child.tail.strip():
                    previous = children[children.index(child) - 1] if children.index(child) else None
                    if previous is not None:
                        previous.tail = (previous.tail or "") + child.tail
                parent.remove(child)


def _assign(target: etree.Element, ial: str, md: Any, attributes: Any) -> None:
    """*ial* given to *target*; a stashed block (fenced code, raw HTML) gets it in its first tag."""
    words = ial.split()
    if "toc" in words:
        words.remove("toc")
        if target.tag in ("ul", "ol"):
            target.set(TOC_FLAG, "1")
    ial = " ".join(words)
    if not ial:
        return
    stashed = _STASHED.match((target.text or "").strip()) if target.tag == "p" and not len(target) else None
    if stashed is None:
        attributes.assign_attrs(target, ial)
        return
    index = int(stashed.group(1))
    block = md.htmlStash.rawHtmlBlocks[index]
    if not isinstance(block, str):
        return
    probe = etree.Element("p")
    attributes.assign_attrs(probe, ial)
    md.htmlStash.rawHtmlBlocks[index] = _FIRST_TAG.sub(lambda m: _merged(m, probe), block, count=1)


def _merged(tag: re.Match[str], probe: etree.Element) -> str:
    """The opening tag *tag* with *probe*'s attributes added (classes first, as kramdown puts them)."""
    attrs = tag.group(2)
    present = {match.group(1): match for match in _ATTRIBUTE.finditer(attrs)}
    for name, value in probe.attrib.items():
        value = value or ""
        existing = present.get(name)
        if name == "class" and existing:
            attrs = attrs.replace(existing.group(0), f' class="{html.escape(value)} {existing.group(2)}"', 1)
        elif not existing:
            attrs += f' {name}="{html.escape(value)}"'
    return tag.group(1) + attrs + tag.group(3)


def _tick_boxes(root: etree.Element, md: Any) -> None:
    """Task-list checkboxes as ☑/☐ text: sanitizing drops form inputs, which would lose the list's state."""
    for item in root.iter("li"):
        if "task-list-item" not in (item.get("class") or ""):
            continue
        for holder in [item, *item.iter("p")]:
            found = _STASHED_START.match(holder.text or "")
            block = md.htmlStash.rawHtmlBlocks[int(found.group(1))] if found else None
            if isinstance(block, str) and block.startswith("<input"):
                holder.text = _BOXES["checked" in block] + (holder.text or "")[found.end():]  # type: ignore[union-attr]
                break


def _kramdown_footnotes(root: etree.Element) -> None:
    """Python-Markdown's footnotes marked up as kramdown's: ``footnotes`` box without a rule, its link classes."""
    for box in root.iter("div"):
        if box.get("class") == "footnote":
            box.set("class", "footnotes")
            for rule in [child for child in box if child.tag == "hr"]:
                box.remove(rule)
    for link in root.iter("a"):
        kind = link.get("class")
        if kind in ("footnote-ref", "footnote-backref"):
            link.set("class", "footnote" if kind == "footnote-ref" else "reversefootnote")
            link.attrib.pop("title", None)
