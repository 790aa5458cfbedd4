"""How deep a piece of HTML nests, estimated in one pass before the sanitizer sees it.

The sanitizer's HTML parser (html5ever, inside nh3) walks its stack of open
elements at every block-level tag and at every end tag that does not close the
innermost element, and its list of active formatting elements at every
``<b>``, ``<a>``, ``<em>``…, so deep nesting makes it quadratic: 20,000 nested
``<div>`` take 1 to 2 s, 100,000 (1 MB of post) three minutes; 20,000
``<span>`` then as many stray end tags 3 s; 20,000 ``<b id=…>`` (alike ones
count once in that list, distinct ones do not) then 20,000 links 25 s.  All of
it in native code that the render time limit cannot interrupt.  Both walks
are bounded by how deep the estimate below gets, so real posts, which nest a
few dozen levels, cost the parser little, and HTML that may nest deeper than
:data:`MAX_DEPTH` is refused before it reaches the sanitizer.

The estimate errs upward, never down: every start tag of an element that can
hold content opens a level, and an end tag closes one only when it names the
innermost open element, as in well-formed HTML such as Markdown's.  (Closing
through open elements, as a parser may, is not modelled: that is where a
parser can keep or rebuild elements an estimate would drop.)  What a parser
closes or adds by itself is: an unclosed ``<p>``, ``<li>``, link, cell or row ends
where the next of its kind starts, and a cell gets its implied row and
``<tbody>``.  Sloppy raw HTML, with stray or missing end tags beyond those,
counts deeper than it is, but needs hundreds of slips to reach the limit.
"""

from __future__ import annotations

import re

MAX_DEPTH = 512

_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")  # what an HTML parser reads as a start or end tag (linear)
# Elements that never hold content: a parser opens and closes them at once.
_VOID = frozenset({"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen",
                   "link", "meta", "param", "source", "track", "wbr"})
_BLOCKS = frozenset({"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl",
                     "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
                     "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "ul"})
# What opening an element closes, when it is the innermost open element (and then the next, and so on):
# an unclosed <p>, <li>, link, cell or row ends where the next of its kind starts, as in every HTML parser.
_CLOSES = {name: ("p",) for name in _BLOCKS} | {
    "li": ("p", "li"), "dt": ("p", "dt", "dd"), "dd": ("p", "dt", "dd"), "tr": ("td", "th", "tr"),
    "td": ("td", "th"), "th": ("td", "th"), "option": ("option",), "a": ("a",)}
# Elements a parser adds by itself: a cell outside a row gets one, a row directly in a table a <tbody>.
_IMPLIED = {("table", "tr"): ("tbody",), ("table", "td"): ("tbody", "tr"), ("table", "th"): ("tbody", "tr"),
            ("tbody", "td"): ("tr",), ("tbody", "th"): ("tr",), ("thead", "td"): ("tr",), ("thead", "th"): ("tr",),
            ("tfoot", "td"): ("tr",), ("tfoot", "th"): ("tr",)}


class TooDeep(ValueError):
    """The HTML may nest deeper than :data:`MAX_DEPTH` levels."""


def check_nesting(fragment: str, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`TooDeep` if *fragment* may nest deeper than *limit* elements."""
    if 3 * fragment.count("<") <= limit:  # the usual case: too few tags to nest that deep (a cell opens 3 levels)
        return
    open_tags: list[str] = []
    for match in _TAG.finditer(fragment):
        name = match[2].lower()
        if match[1]:
            if open_tags and open_tags[-1] == name:
                open_tags.pop()
        elif name not in _VOID:
            closes = _CLOSES.get(name, ())
            while open_tags and open_tags[-1] in closes:
                open_tags.pop()
            if open_tags:
                open_tags.extend(_IMPLIED.get((open_tags[-1], name), ()))
            open_tags.append(name)
            if len(open_tags) > limit:
                raise TooDeep(f"the HTML nests deeper than {limit} levels; flatten it")
