"""Two of Python-Markdown's whole-document passes, skipped for a document that gives them nothing to do.

- **Raw HTML extraction** (``html_block``) feeds the whole post to an HTML
  parser to stash raw HTML blocks.  Without a ``<`` or a ``&`` the parser sees
  only text and gives back the lines it was given, so it is not run.
- **Attribute lists** (``attr_list``) walk every element looking for
  ``{: …}`` at the end of its text.  Without a ``{`` in any text or tail there
  is nothing to find, so the walk is not made.

Together they were 8% of converting a bench post.  The output is the same by
construction (each test is a string the pass cannot act without); held to the
stock passes by a hypothesis test.  Only Markdown's own classes are replaced:
an extension's subclass of either is left as it is.
"""

from __future__ import annotations

from functools import cache
from typing import Any


def register(md: Any) -> None:
    """Give *md*'s raw-HTML and attribute-list passes their idle tests; call it once every extension is in."""
    idle = _idle_classes()
    for registry, name in ((md.preprocessors, "html_block"), (md.treeprocessors, "attr_list")):
        if name in registry:
            found = registry[name]
            swap = idle.get((type(found).__module__, type(found).__qualname__))
            if swap is not None:
                found.__class__ = swap


@cache
def _idle_classes() -> dict[tuple[str, str], type]:
    """The stock classes this module knows, each with its skipping subclass (Markdown imported on first use)."""
    from markdown.extensions.attr_list import AttrListTreeprocessor
    from markdown.extensions.md_in_html import HtmlBlockPreprocessor as InHtmlPreprocessor
    from markdown.preprocessors import HtmlBlockPreprocessor

    def without_markup(base: type) -> type:
        class Skipping(base):
            """Raw HTML extraction, run only when the text holds a tag or a character reference."""

            def run(self, lines: list[str]) -> list[str]:
                for line in lines:
                    if "<" in line or "&" in line:
                        return list(super().run(lines))
                return lines

        return Skipping

    class SkippingAttrList(AttrListTreeprocessor):
        """Attribute lists, looked for only when some text or tail holds a brace."""

        def run(self, doc: Any) -> None:
            for element in doc.iter():
                if (element.text and "{" in element.text) or (element.tail and "{" in element.tail):
                    super().run(doc)
                    return

    return {(cls.__module__, cls.__qualname__): skipping for cls, skipping in (
        (HtmlBlockPreprocessor, without_markup(HtmlBlockPreprocessor)),
        (InHtmlPreprocessor, without_markup(InHtmlPreprocessor)),
        (AttrListTreeprocessor, SkippingAttrList),
    )}
