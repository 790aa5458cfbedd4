"""A Jekyll post's title as jekyll-feed writes it: ``title | smartify | strip_html | normalize_whitespace``.

``smartify`` is kramdown's SmartyPants parser (Jekyll's ``Converters::SmartyPants``):
straight quotes become curly ones by kramdown's rules, ``---`` an em dash, ``--``
an en dash, ``...`` an ellipsis, ``<<``/``>>`` guillemets; entities are read as
the characters they name; HTML tags pass through, for ``strip_html`` to remove.
The result here is plain text (entities decoded once, as a reader shows
jekyll-feed's ``type="html"`` title), whitespace runs made one space.
"""

from __future__ import annotations

import html
import html.entities
import re
from collections.abc import Sequence

# kramdown's SQ_RULES (parser/kramdown/smart_quotes.rb), in order; Ruby's \w, \s and \b are ASCII.
_PUNCT = r"""[!"#$%'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
_CLOSE = r"[^ \\\t\r\n\[{(-]"
_RULES: tuple[tuple[re.Pattern[str], tuple[int | str, ...]], ...] = tuple(
    (re.compile(pattern, re.ASCII | re.MULTILINE | re.DOTALL), subst) for pattern, subst in (
        (r"""("|')(?=[_*]{1,2}\S)""", ("lquote1",)),
        (rf"""("|')(?={_PUNCT}(?!\.\.)\B)""", ("rquote1",)),
        (r"""(\s?)"'(?=\w)""", (1, "ldquo", "lsquo")),
        (r"""(\s?)'"(?=\w)""", (1, "lsquo", "ldquo")),
        (r"""(\s?)'(?=\d\ds)""", (1, "rsquo")),
        (r"""(\s)('|")(?=\w)""", (1, "lquote2")),
        (rf"""({_CLOSE})('|")""", (1, "rquote2")),
        (r"""("|')(?=\s|s\b|$)""", ("rquote1",)),
        (r"""(.?)'""", (1, "lsquo")),
        (r"""(.?)\"""", (1, "ldquo")),
    ))
_QUOTE_START = re.compile(r"""[^\\]?["']""")
_ENTITY = re.compile(r"&(?:([A-Za-z][A-Za-z0-9]*)|#[xX]([0-9A-Fa-f]+)|#(\d+));")
_SYMBOL = re.compile(r"---|--|\.\.\.|\\<<|\\>>|<< | >>|<<|>>")
_HTML = re.compile(r"<(?:!--|/?[A-Za-z])")  # where kramdown's span HTML parser may start
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_SYMBOLS = {"---": "\u2014", "--": "\u2013", "...": "\u2026", "\\<<": "&lt;&lt;", "\\>>": "&gt;&gt;",
            "<< ": "\u00ab\u00a0", " >>": "\u00a0\u00bb", "<<": "\u00ab", ">>": "\u00bb"}
_STRIP = (("<script", "</script>"), ("<!--", "-->"), ("<style", "</style>"), ("<", ">"))  # Jekyll's strip_html
_RUBY_SPACE = re.compile(r"[ \t\r\n\f\v]+")
DEFAULT_QUOTES = "lsquo,rsquo,ldquo,rdquo"
MAX_SMART = 10_000  # characters of a title that smart punctuation is applied to; a longer one is left as written


def quote_chars(setting: str = DEFAULT_QUOTES) -> tuple[str, str, str, str]:
    """kramdown's ``smart_quotes`` option (four entity names or code points) as the four characters."""
    chars = []
    for name in (setting.split(",") + DEFAULT_QUOTES.split(","))[:4]:
        name = name.strip()
        if name.isdigit():
            chars.append(chr(int(name)))
        else:
            chars.append(html.entities.html5.get(name + ";", html.unescape(f"&{name};")))
    return chars[0], chars[1], chars[2], chars[3]


def smartify(text: str, quotes: Sequence[str] = ("\u2018", "\u2019", "\u201c", "\u201d")) -> str:
    """*text* through kramdown's SmartyPants: HTML out, its tags kept and its entities as characters."""
    names = dict(zip(("lsquo", "rsquo", "ldquo", "rdquo"), quotes, strict=True))
    out: list[str] = []
    pos = 0
    patterns = (_QUOTE_START, _ENTITY, _SYMBOL, _HTML)
    comments_close = True  # until a "<!--" finds no "-->" after it: then none after it will
    ahead: list[re.Match[str] | None] = [None] * 4  # each pattern's next match, found once: linear in the title
    done = [False] * 4
    while pos < len(text):
        for order, pattern in enumerate(patterns):
            seen = ahead[order]
            if not done[order] and (seen is None or seen.start() < pos):
                ahead[order] = pattern.search(text, pos)
                done[order] = ahead[order] is None
        found = [(m.start(), order, m) for order, m in enumerate(ahead) if m is not None and m.start() >= pos]
        if not found:
            out.append(html.escape(text[pos:], quote=False))
            break
        start, order, match = min(found, key=lambda f: (f[0], f[1]))
        out.append(html.escape(text[pos:start], quote=False))
        if order == 0:
            pos = _quote(text, start, names, out)
        elif order == 1:
            out.append(html.escape(html.unescape(match[0]), quote=False))
            pos = match.end()
        elif order == 2:
            out.append(_SYMBOLS[match[0]])
            pos = match.end()
        else:
            end = text.find("-->", start + 4) if comments_close and match[0] == "<!--" else -1
            comments_close = comments_close and (match[0] != "<!--" or end >= 0)
            tag = _TAG.match(text, start) if match[0] != "<!--" else None
            stop = end + 3 if end >= 0 else tag.end() if tag else start + 1
            out.append(text[start:stop] if stop > start + 1 else "&lt;")
            pos = stop
    return "".join(out)


def _quote(text: str, start: int, names: dict[str, str], out: list[str]) -> int:
    """Apply the first of kramdown's rules that matches at *start*; where the text goes on."""
    for pattern, substs in _RULES:
        match = pattern.match(text, start)
        if match is None:
            continue
        for subst in substs:
            if isinstance(subst, int):
                out.append(html.escape(match[subst], quote=False))
            else:
                mark = match[int(subst[-1])] if subst[-1].isdigit() else ""
                name = subst if not mark else ("l" if subst.startswith("l") else "r") + (
                    "dquo" if mark == '"' else "squo")
                out.append(names[name])
        return max(match.end(), start + 1)
    out.append(html.escape(text[start], quote=False))
    return start + 1


def strip_html(fragment: str) -> str:
    """Jekyll's ``strip_html``: scripts, comments and styles with what they hold, then every tag.

    Each is Ruby's ``gsub(%r!START.*?END!m, "")``, done with two finds a match: once no END
    follows a START, none follows any later START either, so the whole is linear in the text.
    """
    for start, end in _STRIP:
        out, pos = [], 0
        while (found := fragment.find(start, pos)) >= 0:
            close = fragment.find(end, found + len(start))
            if close < 0:
                break
            out.append(fragment[pos:found])
            pos = close + len(end)
        fragment = "".join(out) + fragment[pos:]
    return fragment


def jekyll_title(title: str, smart_quotes: str = DEFAULT_QUOTES) -> str:
    """*title* as a reader of jekyll-feed's feed sees it: smart punctuation, no tags, entities decoded."""
    # ~15 us a quote: a title of a hundred thousand quotes would take seconds, and no real title is that long
    text = strip_html(smartify(title, quote_chars(smart_quotes)) if len(title) <= MAX_SMART else title)
    return _RUBY_SPACE.sub(" ", html.unescape(text)).strip(" \t\r\n\f\v")
