"""Python-Markdown's inline pass, without trying patterns that cannot match.

Markdown spends most of a post's rendering in its inline pass: every run of
text is offered to each inline pattern in turn (code, escapes, links, images,
autolinks, raw HTML, entities, line breaks, emphasis), and each offer is a
Python call, a registry lookup and a regex search, though most text holds no
backtick, bracket, ``<``, ``&`` or asterisk at all.  This pass asks first
whether the text holds a character the pattern's expression cannot match
without, and skips the offer when it does not.

The output is the same by construction: a skipped pattern is one whose search
would have found nothing, and the stock pass moves on to the next pattern in
exactly that case.  Patterns are recognised by their exact regular expression,
so a pattern that an extension (or a new Markdown release) changes is simply
always offered, as before.
"""

from __future__ import annotations

from functools import cache
from typing import Any

# A pattern's expression -> strings of which each match contains at least one.
_NEEDS: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),  # code spans (and the backslashes before one)
    r"\\(.)": ("\\",),  # backslash escapes
    r"\[\^([^\]]*)\]": ("[^",),  # footnote references
    r"(?<!\!)\[": ("[",),  # links, reference links, short references
    r"\!\[": ("![",),  # images, reference images
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),  # autolinks
    r"<([^<> !]+@[^@<> ]+)>": ("<",),  # mail autolinks
    r"  \n": ("  \n",),  # hard line breaks
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),  # entities
    r"\*|_": ("*", "_"),  # emphasis and strong
}
_HTML_START = "(<("  # raw inline HTML: every alternative of Markdown's expression begins with "<"


def _needs(pattern: Any) -> tuple[str, ...] | None:
    """What a match of *pattern* must contain, or None when this module does not know the pattern.

    A pattern may say it itself, in a ``needs`` attribute (the Jekyll dialect's patterns do).
    """
    declared = getattr(pattern, "needs", None)
    if declared is not None:
        return tuple(declared)
    source = pattern.getCompiledRegExp().pattern
    if source.startswith(_HTML_START) and source.endswith(">)") and type(pattern).__name__ == "HtmlInlineProcessor":
        return ("<",)
    return _NEEDS.get(source)


def register(md: Any) -> None:
    """Put the skipping inline pass in place of *md*'s own (same name, same priority)."""
    md.treeprocessors.register(_skipping_class()(md), "inline", 20)


@cache
def _skipping_class() -> type:
    """The pass's class, made on first use: Markdown is imported only when a post is rendered."""
    from markdown import util
    from markdown.treeprocessors import InlineProcessor

    class SkippingInlineProcessor(InlineProcessor):
        """Markdown's inline pass; offers a run of text only to the patterns that could match it."""

        _patterns: list[Any]  # set by run(), for the document it processes
        _needs: list[tuple[str, ...] | None]

        def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
            """The stock pass, with the patterns and what each needs read once per document from the registry."""
            self._patterns = list(self.inlinePatterns)  # in priority order, as the registry hands them out
            self._needs = [_needs(pattern) for pattern in self._patterns]
            return super().run(tree, ancestors)

        # The stock pass's private loop, under its mangled name (the other methods call it by that name);
        # identical but for the test before each offer, and a list instead of a registry lookup per offer.
        def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
            if isinstance(data, util.AtomicString):
                return data
            patterns, needs = self._patterns, self._needs
            apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]  # the stock, private step
            start = 0
            while patternIndex < len(patterns):
                need = needs[patternIndex]
                if need is not None:
                    for part in need:  # a loop, not any(): this runs for every run of text and pattern
                        if part in data:
                            break
                    else:
                        patternIndex, start = patternIndex + 1, 0
                        continue
                data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
                if not matched:
                    patternIndex += 1
            return data

    return SkippingInlineProcessor
