"""kramdown's smart quotes and typographic symbols, applied to the text of a rendered Markdown tree.

kramdown decides each ``'`` and ``"`` by the first of ten rules that matches
at the quote (or at the character just before it): ``it's`` → ’, ``"hi"`` → “…”,
``'90s`` → ’, a quote before ``*emphasis*`` opens, one before other punctuation
closes.  The rules are its own, ASCII-only like Ruby's ``\\w`` and ``\\s``, and are
ported here one for one, so that a Jekyll site's feed reads as its pages do.
``---`` → —, ``--`` → –, ``...`` → …, ``<<``/``>>`` → «/» come from the same scan.

This replaces Python-Markdown's smarty extension, which follows other rules and
costs a second inline pass (two thirds of the render time of a typical post):
here it is one regular-expression scan per text node.  Code, ``<pre>``, ``kbd``
and text that Python-Markdown marks atomic (code spans) are left alone.
"""

from __future__ import annotations

import html.entities
import re
from xml.etree import ElementTree as etree

_PUNCT = r"""[!"#$%'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
_CLOSE = r"[^ \\\t\r\n\[{(-]"
_RULES = [  # kramdown's SQ_RULES, in its order: (pattern at the quote or the character before it, what to write)
    (re.compile(r"""(["'])(?=[_*]{1,2}\S)""", re.A), ("open1",)),
    (re.compile(rf"""(["'])(?={_PUNCT}(?!\.\.)\B)""", re.A), ("close1",)),
    (re.compile(r"""(\s?)"'(?=\w)""", re.A), (1, "ldquo", "lsquo")),
    (re.compile(r"""(\s?)'"(?=\w)""", re.A), (1, "lsquo", "ldquo")),
    (re.compile(r"""(\s?)'(?=\d\ds)""", re.A), (1, "rsquo")),
    (re.compile(r"""(\s)(['"])(?=\w)""", re.A), (1, "open2")),
    (re.compile(rf"""({_CLOSE})(['"])""", re.A), (1, "close2")),
    (re.compile(r"""(["'])(?=\s|s\b|$)""", re.A | re.M), ("close1",)),
    (re.compile(r"(.?)'", re.A | re.S), (1, "lsquo")),
    (re.compile(r'(.?)"', re.A | re.S), (1, "ldquo")),
]
_NEXT = re.compile(r"""["']|---|--|\.\.\.|<< | >>|<<|>>""")
_SYMBOLS = {"---": "mdash", "--": "ndash", "...": "hellip", "<< ": "laquo_space", " >>": "raquo_space",
            "<<": "laquo", ">>": "raquo"}
_SKIP = {"code", "pre", "kbd", "script", "style", "samp", "math"}
_RAW_BEFORE = {"em": "*x", "strong": "**x", "a": "[x", "img": "![x", "code": "`x", "del": "~~x"}  # how each starts
_RAW_AFTER = {"em": "*", "strong": "*", "a": "]", "del": "~"}  # and what ends its content, in the Markdown


def character(name: str) -> str:
    """The text of an entity name (``ldquo``) or number (``8220``), as kramdown's ``entity_output: as_char``."""
    if name.isdigit():
        return chr(int(name))
    return chr(html.entities.name2codepoint.get(name, ord("?")))


class Typography:
    """Smart quotes (four entity names, as kramdown's ``smart_quotes``) and, if *symbols*, dashes and the rest."""

    def __init__(self, quotes: tuple[str, str, str, str], symbols: bool, overrides: dict[str, str]) -> None:
        lsquo, rsquo, ldquo, rdquo = (character(name) for name in quotes)
        self._text = {"lsquo": lsquo, "rsquo": rsquo, "ldquo": ldquo, "rdquo": rdquo,
                      "mdash": "—", "ndash": "–", "hellip": "…", "laquo": "«", "raquo": "»",
                      "laquo_space": "« ", "raquo_space": " »"}
        self._text.update(overrides)
        self._symbols = symbols

    def apply(self, root: etree.Element) -> None:
        """Every text of *root*'s tree made typographic, code and atomic text excepted."""
        self._element(root, "")

    def _element(self, element: etree.Element, after: str) -> None:
        if element.tag in _SKIP:
            return
        children = list(element)
        inside = _RAW_AFTER.get(element.tag, after if element.tag not in ("p", "li", "td", "th", "dt", "dd") else "")
        element.text = self.text(element.text, _RAW_BEFORE.get(children[0].tag, "<") if children else inside)
        for position, child in enumerate(children):
            self._element(child, inside)
            following = children[position + 1] if position + 1 < len(children) else None
            child.tail = self.text(child.tail, _RAW_BEFORE.get(following.tag, "<") if following is not None else inside)

    def text(self, value: str | None, lookahead: str = "") -> str | None:
        """*value* with kramdown's typography; *lookahead* stands for the Markdown that follows it."""
        if not value or type(value) is not str or not _NEXT.search(value):  # AtomicString: code, left alone
            return value
        source = value + lookahead
        out: list[str] = []
        position = 0
        for found in _NEXT.finditer(value):
            start = found.start()
            if start < position:
                continue
            if found.group() not in ("'", '"'):
                if not self._symbols:
                    continue
                out.append(value[position:start] + self._text[_SYMBOLS[found.group()]])
                position = found.end()
                continue
            at = start - 1 if start > position else start
            out.append(value[position:at])
            position = self._quote(source, at, out)
        out.append(value[position:])
        return "".join(out)

    def _quote(self, source: str, at: int, out: list[str]) -> int:
        """The first rule matching at *at* written to *out*; where the scan goes on."""
        for pattern, actions in _RULES:
            match = pattern.match(source, at)
            if match is None:
                continue
            for action in actions:
                if isinstance(action, int):
                    out.append(match.group(action))
                elif action[-1] in "12":  # the quote of that group, opening or closing
                    kind = "dquo" if match.group(int(action[-1])) == '"' else "squo"
                    out.append(self._text[("l" if action.startswith("open") else "r") + kind])
                else:
                    out.append(self._text[action])
            return match.end()
        raise AssertionError("kramdown's last two rules match any quote")  # pragma: no cover
