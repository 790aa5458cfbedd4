"""A Jekyll post's URL and id, built exactly as Jekyll 4.3 builds them.

Jekyll fills a permalink template (``/:categories/:year/:month/:day/:title:output_ext``
for its default ``date`` style) from the post's date in the site's timezone, its
slug and categories (``Drops::UrlDrop``), escapes each value as a URL path
(``URL.escape_path``: ``edge case`` becomes ``edge%20case``, never slugified),
then cleans the result (``URL#sanitize_url``).  The post's id is its URL's folder
and its slug (``Document#id``: ``/2023/01/29/my-post`` for both
``/2023/01/29/my-post.html`` and ``/2023/01/29/my-post/``), and jekyll-feed
writes ``post.id | absolute_url`` as each entry's ``<id>``: readers key what
they have read on it, so a site that moves to feeder must keep it.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, unquote

from feeder.urls import quote_url

_SIMPLE = re.compile(r"[a-zA-Z0-9./-]+")
_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")
_ASCII_RUN = re.compile(r"[^A-Za-z0-9]+")
_SPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")  # Ruby's \s: ASCII whitespace only
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = "-._~" + _SUB_DELIMS + ":@/"
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify``: runs of what *mode* does not keep become one ``-``, trimmed at both ends.

    ``default`` keeps letters, marks and decimal digits of any script; ``pretty``
    also ``._~!$&'()+,;=@``; ``ascii`` only ``A-Za-z0-9``; ``raw`` replaces whitespace only.
    """
    if mode == "raw":
        slug = _SPACE_RUN.sub("-", text)
    elif mode == "ascii":
        slug = _ASCII_RUN.sub("-", text)
    else:
        keep = _PRETTY_KEEP if mode == "pretty" else frozenset()
        out: list[str] = []
        in_run = False
        for char in text:
            category = unicodedata.category(char)
            if char in keep or category[0] in "LM" or category == "Nd":
                out.append(char)
                in_run = False
            elif not in_run:
                out.append("-")
                in_run = True
        slug = "".join(out)
    if slug.startswith("-"):
        slug = slug[1:]
    if slug.endswith("-"):
        slug = slug[:-1]
    return slug if cased else slug.lower()


def escape_path(value: str) -> str:
    """Jekyll's ``URL.escape_path``: Addressable's encoding of a URI reference, then the first ``#`` as ``%23``."""
    if not value or _SIMPLE.fullmatch(value):
        return value
    rest, hash_mark, fragment = value.partition("#")
    path, question, query = rest.partition("?")
    encoded = quote(path, safe=_PATH_SAFE)
    if question:
        encoded += "?" + quote(query, safe=_PATH_SAFE + "?")
    if hash_mark:
        encoded += "#" + quote(fragment, safe=_PATH_SAFE + "?")
    return encoded.replace("#", "%23", 1)


def sanitize_url(url: str) -> str:
    """Jekyll's ``URL#sanitize_url``: a leading ``/``, ``..`` and ``./`` removed, runs of ``/`` squeezed."""
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub("/{2,}", "/", url)


def placeholders(date: datetime, slug: str, basename: str, categories: Iterable[str], output_ext: str,
                 relative_path: str) -> dict[str, Callable[[], str]]:
    """``Drops::UrlDrop`` for a post: each placeholder's value, computed only if the template uses it.

    *date* is in the site's timezone; *slug* is the front matter ``slug`` or the
    file name's; *relative_path* is the path Jekyll names ``:path`` (no extension).
    """
    cats = list(categories)
    return {
        "year": lambda: f"{date.year:04d}", "month": lambda: f"{date.month:02d}", "day": lambda: f"{date.day:02d}",
        "hour": lambda: f"{date.hour:02d}", "minute": lambda: f"{date.minute:02d}",
        "second": lambda: f"{date.second:02d}", "i_day": lambda: str(date.day), "i_month": lambda: str(date.month),
        "short_month": lambda: date.strftime("%b"), "long_month": lambda: date.strftime("%B"),
        "short_year": lambda: f"{date.year % 100:02d}", "y_day": lambda: f"{date.timetuple().tm_yday:03d}",
        "w_year": lambda: f"{date.isocalendar()[0]:04d}", "week": lambda: f"{date.isocalendar()[1]:02d}",
        "w_day": lambda: str(date.isocalendar()[2]), "short_day": lambda: date.strftime("%a"),
        "long_day": lambda: date.strftime("%A"),
        "title": lambda: slugify(slug, "pretty", cased=True), "slug": lambda: slugify(slug),
        "name": lambda: slugify(basename),
        "categories": lambda: "/".join(dict.fromkeys(c.lower() for c in cats)),
        "slugified_categories": lambda: "/".join(dict.fromkeys(slugify(c) for c in cats)),
        "output_ext": lambda: output_ext, "collection": lambda: "posts", "path": lambda: relative_path,
    }


class UnknownPlaceholder(ValueError):
    """A permalink names a placeholder Jekyll does not know (Jekyll stops the build on it)."""


def expand(template: str, values: dict[str, Callable[[], str]]) -> str:
    """Jekyll's ``URL#generate_url_from_drop`` then ``sanitize_url``: the post's URL on the site (from ``/``)."""

    def fill(match: re.Match[str]) -> str:
        name = match[1]
        pool = [name, name[:-1]] if name.endswith("_") else [name]
        winner = next((key for key in pool if key in values), None)
        if winner is None:
            raise UnknownPlaceholder(f"the permalink {template!r} names :{name}, which Jekyll does not know")
        replaced = escape_path(values[winner]())
        return match[0].replace(":" + winner, replaced, 1)

    return sanitize_url(_PLACEHOLDER.sub(fill, template))


def document_id(url: str, slug: str) -> str:
    """Jekyll's ``Document#id``: ``File.join(File.dirname(url), slug)`` (dirname ignores a trailing ``/``)."""
    folder = posixpath.dirname(url.rstrip("/") or "/")
    return folder.rstrip("/") + "/" + slug.lstrip("/")


def absolute_url(site_url: str, path: str) -> str:
    """Jekyll's ``absolute_url`` of a site path: the site's address and *path*, normalized as Addressable does.

    *site_url* is the site's whole address (with its baseurl).  Escapes are made
    uppercase and only what must be is escaped: ``%7E`` becomes ``~``, a space or
    a non-ASCII letter is percent-encoded (UTF-8, NFC), an escaped ``/`` stays.
    """
    return site_url.rstrip("/") + normalize_path("/" + path.lstrip("/"))


@lru_cache(maxsize=4096)
def normalize_path(path: str) -> str:
    """*path* as ``Addressable::URI#normalize`` writes a path: decoded, then encoded again where it must be."""
    pieces = re.split(r"(%2[Ff])", path)  # an escaped "/" is not a separator: it stays escaped
    out = []
    for piece in pieces:
        if piece.lower() == "%2f":
            out.append("%2F")
            continue
        text = unicodedata.normalize("NFC", unquote(piece, errors="surrogateescape"))
        out.append(quote(text, safe=_PATH_SAFE, errors="surrogateescape"))
    return "".join(out)


def expand_simple(pattern: str, local: datetime, slug: str, categories: tuple[str, ...]) -> str:
    """A site's permalink without ``jekyll:``: feeder's own reading of the placeholders, kept as it was.

    Dates are in the site's timezone; ``:categories`` are lower case with ``-`` for spaces.
    """
    template, names = _permalink_template(pattern)
    values = {name: _PLACEHOLDER_VALUES[name](local, slug, categories) for name in names}
    filled = _SLASHES.sub("/", template.format_map(values))
    return quote_url(filled)


_PLACEHOLDER_VALUES: dict[str, Callable[[datetime, str, tuple[str, ...]], str]] = {
    "year": lambda d, s, c: f"{d.year:04d}", "short_year": lambda d, s, c: f"{d.year % 100:02d}",
    "month": lambda d, s, c: f"{d.month:02d}", "i_month": lambda d, s, c: str(d.month),
    "day": lambda d, s, c: f"{d.day:02d}", "i_day": lambda d, s, c: str(d.day),
    "y_day": lambda d, s, c: f"{d.timetuple().tm_yday:03d}",
    "hour": lambda d, s, c: f"{d.hour:02d}", "minute": lambda d, s, c: f"{d.minute:02d}",
    "second": lambda d, s, c: f"{d.second:02d}", "slug": lambda d, s, c: s, "title": lambda d, s, c: s,
    "categories": lambda d, s, c: "/".join(x.lower().replace(" ", "-") for x in c),
    "output_ext": lambda d, s, c: ".html", "short_month": lambda d, s, c: d.strftime("%b"),
    "long_month": lambda d, s, c: d.strftime("%B"), "w_year": lambda d, s, c: f"{d.isocalendar()[0]:04d}",
    "week": lambda d, s, c: f"{d.isocalendar()[1]:02d}", "w_day": lambda d, s, c: str(d.isocalendar()[2]),
    "short_day": lambda d, s, c: d.strftime("%a"), "long_day": lambda d, s, c: d.strftime("%A"),
    "name": lambda d, s, c: s, "path": lambda d, s, c: s, "collection": lambda d, s, c: "posts",
    "slugified_categories": lambda d, s, c: "/".join(x.lower().replace(" ", "-") for x in c),
}
_SIMPLE_PLACEHOLDER = re.compile(":(" + "|".join(sorted(_PLACEHOLDER_VALUES, key=len, reverse=True)) + ")")
_SLASHES = re.compile("/{2,}")


@lru_cache(maxsize=64)
def _permalink_template(pattern: str) -> tuple[str, frozenset[str]]:
    """*pattern* as a str.format template, and the placeholders it uses (worked out once per pattern)."""
    escaped = pattern.replace("{", "{{").replace("}", "}}")
    return _SIMPLE_PLACEHOLDER.sub(lambda m: "{" + m[1] + "}", escaped), frozenset(_SIMPLE_PLACEHOLDER.findall(pattern))
