"""Jekyll's rules for a post's front matter: defaults, categories, tags, ``published``, dates, slug and excerpt.

Each function is one rule of Jekyll 4.3's ``Document`` (and ``FrontmatterDefaults``,
``Excerpt``), so that a post means in feeder what it means on the site: its
categories come from the folders above ``_posts/`` and from ``category`` and
``categories`` (union, in that order), its defaults from ``_config.yml``'s
``defaults:`` by path and type, and a value Jekyll accepts with a shrug (``published:
ruby``, an oddly written date) is accepted here too, with a warning rather than
a rejected post.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timezone, tzinfo
from typing import Any

from feeder.brief import brief
from feeder.dates import parse_date, parse_loose
from feeder.jekyll_site import JekyllSite

# Document::DATE_FILENAME_MATCHER: a post file's name is its date, a "-", its slug and an extension.
DATE_FILENAME = re.compile(r"^(?:.*/)?(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^./]+)$")
POSTS = "_posts"
_LINK_DEFINITION = re.compile(r"^ {0,3}(\[[^\]\n]+\])(:.+)$", re.MULTILINE)  # Excerpt::MKDWN_LINK_REF_REGEX
_LIQUID_TAG = re.compile(r"{%-?\s*(\w+)[^%]*?-?%}")
_LIQUID_BLOCKS = frozenset({"if", "unless", "for", "case", "capture", "comment", "raw", "highlight", "tablerow",
                            "ifchanged"})
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t\r\f\v]*\n)+")


def with_defaults(meta: Mapping[str, Any], path: str, site: JekyllSite) -> dict[str, Any]:
    """*meta* over the ``defaults:`` whose scope holds *path* (a post), merged as Jekyll merges them.

    A scope applies when its ``type`` is absent or ``posts`` and its ``path`` is a
    prefix of the post's path (a ``*`` glob matches one folder name).  Of two that
    apply, the longer path wins, then the one with a type, then the later one;
    mappings merge deeply, and the front matter wins over all of them.
    """
    merged: dict[str, Any] = {}
    old: tuple[str, bool] | None = None
    for default in site.defaults:
        if (default.type is not None and default.type != "posts") or not _applies(default.path, path):
            continue
        scope = (_sanitize(default.path), default.type is not None)
        if old is None or len(scope[0]) > len(old[0]) or (len(scope[0]) == len(old[0]) and (scope[1] or not old[1])):
            merged = deep_merge(merged, default.values)
            old = scope
        else:
            merged = deep_merge(default.values, merged)
    return deep_merge(merged, meta) if merged else dict(meta)


def _sanitize(scope_path: str) -> str:
    return scope_path.strip("/") if scope_path.startswith("/") else scope_path


def _applies(scope_path: str, path: str) -> bool:
    scope_path = _sanitize(scope_path)
    if not scope_path:
        return True
    if "*" not in scope_path:
        return path.startswith(scope_path)
    return _glob_prefix(scope_path.strip("/").split("/"), path.split("/"))


def _glob_prefix(scope: list[str], parts: list[str]) -> bool:
    """Whether the glob *scope* (``*`` within a folder name, ``**`` any folders) matches the first folders of *parts*.

    Jekyll globs the scope against the site's files and takes each match as a path prefix.
    """
    if not scope:
        return True
    if scope[0] == "**":
        return any(_glob_prefix(scope[1:], parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], scope[0]) and _glob_prefix(scope[1:], parts[1:])


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Jekyll's ``Utils.deep_merge_hashes``: *over* wins, mappings in both are merged the same way."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def folder_categories(path: str) -> list[str]:
    """The folders above ``_posts/`` in *path* (``a/b/_posts/x.md`` is in categories a and b)."""
    head, found, _ = path.partition(POSTS + "/")
    if not found or (head and not head.endswith("/")):
        return []
    return [part for part in head.split("/") if part]


def categories(meta: Mapping[str, Any], defaults: Mapping[str, Any], path: str) -> list[str]:
    """Document#categories_from_path, merge_categories! and populate_categories, in Jekyll's order.

    The folders above ``_posts/``, then the defaults' ``categories``, then the front
    matter's (a string is split on spaces), then ``category`` (one category, even
    with spaces; else ``categories`` again), each once, as text.
    """
    found: list[Any] = folder_categories(path)
    for source in (defaults, meta):
        value = source.get("categories")
        if value is not None:
            found += value.split() if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else [
                value]
    merged = {**defaults, **meta}
    single = merged.get("category")
    if single is not None:
        found += list(single) if isinstance(single, (list, tuple)) else [single]
    return list(dict.fromkeys(_text(c) for c in found if c is not None and _text(c) != ""))


def tags(meta: Mapping[str, Any]) -> list[str]:
    """populate_tags: ``tag`` (one tag) if present, else ``tags`` (a string split on spaces)."""
    if meta.get("tag") is not None:
        value = meta["tag"]
        items = list(value) if isinstance(value, (list, tuple)) else [value]
    else:
        value = meta.get("tags")
        items = value.split() if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    return list(dict.fromkeys(_text(t) for t in items if t is not None and _text(t) != ""))


def _text(value: Any) -> str:
    """A value as Ruby's ``to_s`` writes it where it matters: true/false lower case, whole floats with ``.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def published(meta: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Whether Jekyll publishes the post (``published`` is not false and, if written, not empty), and a warning."""
    if "published" not in meta:
        return True, None
    value = meta["published"]
    if value is None:
        return False, "published: empty, which Jekyll reads as false: the post is not published; write true or false"
    if isinstance(value, bool):
        return value, None
    return True, (f"published: {brief(value)} is not true or false; published, as Jekyll publishes it "
                  "(write true or false)")


def front_date(value: Any, tz: tzinfo) -> tuple[datetime, str | None]:
    """A front matter ``date`` as Jekyll reads it (``Time.parse(date.to_s).localtime``), and a warning.

    A YAML timestamp without an offset (``2023-01-29 18:30:22``) is UTC to Ruby's
    YAML, so it is UTC here; a string is read strictly, else as Ruby's
    ``Time.parse`` would (with a warning); a ``ValueError`` if neither can.
    """
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)), None
    if isinstance(value, date):
        return datetime.combine(value, time(), tz), None
    try:
        return parse_date(value, tz), None
    except ValueError:
        loose = parse_loose(value, tz) if isinstance(value, str) else None
        if loose is None:
            raise
    offset = loose.strftime("%z")
    return loose, (f"date: {brief(value)} is read as {loose.strftime('%Y-%m-%d %H:%M:%S')} {offset}, as Jekyll "
                   f"reads it; write it that way (YYYY-MM-DD HH:MM:SS +HHMM) to be sure")


def file_name(path: str) -> tuple[str | None, str, str]:
    """(date text or None, slug, extension) of a post's file name, as Jekyll's populate_title reads it.

    The slug loses trailing periods; a name without a date is all slug.
    """
    named = DATE_FILENAME.match(path)
    if named:
        day, slug, ext = named.groups()
    else:
        base = path.rpartition("/")[2]
        stem, dot, ext = base.rpartition(".")
        day, slug, ext = None, (stem if dot else base), ("." + ext if dot else "")
    return day, slug.rstrip("."), ext


def title_from_slug(slug: str) -> str:
    """Utils.titleize_slug: ``my-first-post`` is ``My First Post``."""
    words = slug.split("-")
    while words and not words[-1]:  # Ruby's split drops trailing empty fields only
        words.pop()
    return " ".join(word.capitalize() for word in words)


def content(body: str) -> str:
    """The post's content as Jekyll reads it: blank lines right after the front matter are not part of it."""
    return _LEADING_BLANK_LINES.sub("", body, count=1)


def excerpt_source(body: str, separator: str) -> str | None:
    """Jekyll's excerpt of *body* (Excerpt#extract_excerpt), Markdown and Liquid still to render; None if off.

    The text before *separator* (all of it when the separator is absent), with any
    Liquid block left open there closed, and the link definitions it uses from the
    rest of the post appended, so its links still resolve.
    """
    if not separator:
        return None
    head, found, tail = content(body).partition(separator)
    if not found or not tail:
        return head
    if "{%" in head:
        names = _LIQUID_TAG.findall(head)
        for name in reversed(names):
            if name in _LIQUID_BLOCKS and "end" + name not in names:
                head += "\n{% end" + name + " %}"
    definitions = [label + rest for label, rest in _LINK_DEFINITION.findall(tail) if label in head]
    return head + "\n\n" + "\n".join(definitions) if definitions else head
