"""One Jekyll-style post: YAML front matter, then Markdown.

:func:`parse_post` is pure: bytes in, a :class:`Post` (or a :class:`PostError`
naming the file and line) out.  It reads the front matter only; the Markdown
body is rendered later, and only for the posts that reach an output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from feeder.addresses import check_address
from feeder.brief import brief
from feeder.config import Author, Config
from feeder.dates import parse_date, to_utc
from feeder.errors import PostError
from feeder.posts.enclosures import Enclosure, enclosure
from feeder.posts.jekyll_fields import JekyllFields, jekyll_fields
from feeder.posts.permalink import absolute_url, expand_simple
from feeder.posts.source import load_front_matter, read_front_matter
from feeder.text import clean_text
from feeder.urls import web_url

_FILENAME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")
_KNOWN = {"title", "date", "updated", "last_modified_at", "author", "excerpt", "summary", "description",
          "tags", "categories", "draft", "published", "permalink", "slug", "id", "guid", "image", "reading_time",
          "layout", "enclosure", "audio", "video"}


@dataclass(frozen=True, slots=True)
class Post:
    """What the front matter says about a post, with every derived value resolved."""

    path: str  # relative to posts_dir, POSIX separators
    slug: str
    title: str
    date: datetime  # aware, UTC
    updated: datetime | None  # aware, UTC
    author: Author | None
    excerpt: str | None  # front matter Markdown (excerpt / summary / description)
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    url: str  # absolute
    id: str  # front matter id/guid, else the URL
    image: str | None  # absolute
    reading_time: int | None
    draft: bool
    body_line: int  # 1-based line where the Markdown starts, for error messages
    enclosure: Enclosure | None = None  # front matter enclosure / audio / video
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys, kept for templates
    # A Jekyll site's post only (config.jekyll): see feeder.posts.jekyll_fields
    jekyll: JekyllFields | None = None
    warnings: tuple[str, ...] = ()  # published, but something in it deserves a look (a Jekyll site's leniency)


def parse_post(path: str, data: bytes, config: Config) -> Post:
    """Parse one post file's bytes; raise :class:`PostError` for anything wrong with it."""
    front, body_line = read_front_matter(path, data)
    return _build(path, load_front_matter(path, front), front, body_line, config)


def _build(path: str, meta: dict[str, Any], front: str, body_line: int, config: Config) -> Post:
    def fail(key: str, message: str) -> PostError:
        shown = key if len(key) <= 40 else key[:39] + "…"  # an unknown key is the author's: it may be long
        return PostError(path, f"{shown}: {message}", _line_of(front, key))

    if config.jekyll is not None:
        return _build_jekyll(path, meta, front, body_line, config, fail)

    stem = path.rpartition("/")[2].rpartition(".")[0]
    named = _FILENAME.match(stem)
    slug = _string(meta.get("slug")) or (named[2] if named else stem)
    tz = config.site.timezone

    def when(key: str) -> datetime | None:
        if meta.get(key) is None:
            return None
        try:
            return to_utc(parse_date(meta[key], tz))
        except ValueError as exc:
            raise fail(key, str(exc)) from None

    date = when("date")
    if date is None and named:
        try:
            date = to_utc(parse_date(named[1], tz))
        except ValueError as exc:
            raise PostError(path, f"file name date: {exc}") from None
    if date is None:
        raise PostError(path, "no date: add 'date: 2025-12-11 04:49:28 +0000' to the front matter "
                        "or name the file YYYY-MM-DD-slug.md", 1)
    updated = when("updated") or when("last_modified_at")

    for key in ("draft", "published"):
        if key in meta and not isinstance(meta[key], bool):
            raise fail(key, f"must be true or false, got {brief(meta[key])}")
    draft = meta.get("draft") is True or meta.get("published") is False

    title = clean_text(_string(meta.get("title")) or "").strip() or slug.replace("-", " ").strip().title()
    excerpt = next((meta[k] for k in ("excerpt", "summary", "description") if meta.get(k) is not None), None)
    if excerpt is not None and not isinstance(excerpt, str):
        raise fail("excerpt", f"must be text, got {brief(excerpt)}")

    categories = _words(meta.get("categories"), path, front, "categories")
    local = date.astimezone(tz)
    permalink = _string(meta.get("permalink")) or config.permalink
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", permalink):  # it would be pasted after the site URL
        raise fail("permalink", f"must be a path on the site such as /notes/my-post/, got {brief(permalink)}")
    url = config.site.url + expand_simple(permalink, local, slug, categories).lstrip("/")
    ident = _string(meta.get("id")) or _string(meta.get("guid"))

    return Post(
        path=path,
        slug=slug,
        title=title,
        date=date,
        updated=updated if updated and updated > date else None,  # an older "updated" is a copy-paste slip
        author=_author(meta.get("author"), fail),
        excerpt=clean_text(excerpt) if excerpt else None,
        tags=_words(meta.get("tags"), path, front, "tags"),
        categories=categories,
        url=url,
        id=clean_text(ident).strip() if ident else url,
        image=_image(meta.get("image"), url, fail),
        reading_time=_minutes(meta.get("reading_time"), fail),
        draft=draft,
        body_line=body_line,
        enclosure=enclosure(meta, url, fail),
        extra=_extra(meta, fail),
    )


def _build_jekyll(path: str, raw: dict[str, Any], front: str, body_line: int, config: Config,
                  fail: Callable[[str, str], PostError]) -> Post:
    """A Jekyll site's post: Jekyll's rules for its defaults, date, categories, URL, id and title."""
    assert config.jekyll is not None
    j = jekyll_fields(path, raw, config, config.jekyll, fail)
    meta = j.meta
    updated = None
    for key in ("last_modified_at", "updated"):
        if meta.get(key) is not None:
            try:
                updated = to_utc(parse_date(meta[key], config.site.timezone))
            except ValueError as exc:
                raise fail(key, str(exc)) from None
            break
    return Post(
        path=path, slug=j.slug, title=j.title, date=j.date,
        updated=updated if updated and updated > j.date else None,
        author=_author(_jekyll_author(meta, config.jekyll), fail), excerpt=j.excerpt, tags=j.tags,
        categories=j.categories,
        url=j.url, id=j.id,
        image=_image(_site_path(meta.get("image"), config.site.url), j.url, fail),
        reading_time=_minutes(meta.get("reading_time"), fail), draft=j.draft, body_line=body_line,
        enclosure=enclosure(meta, j.url, fail), extra=_extra(meta, fail), jekyll=j,
        warnings=tuple(f"{_where(front, w)}{w}" for w in j.warnings),
    )


def _jekyll_author(meta: dict[str, Any], site: Any) -> Any:
    """jekyll-feed's author: ``author`` (else the first of ``authors``), looked up in ``site.data.authors``."""
    author = meta.get("author")
    if author is None and isinstance(meta.get("authors"), (list, tuple)) and meta["authors"]:
        author = meta["authors"][0]
    known = site.data.get("authors")
    if isinstance(author, (str, int)) and isinstance(known, dict) and isinstance(known.get(str(author)), dict):
        return dict(known[str(author)])
    return author


def _site_path(value: Any, site_url: str) -> Any:
    """An image path as jekyll-feed makes it absolute (``absolute_url``: on the site's url and baseurl)."""
    if isinstance(value, dict):  # jekyll-seo-tag style: image: {path: …}
        value = value.get("path") or value.get("url")
    if isinstance(value, str) and "://" not in value and value.strip() and not value.startswith("//"):
        return absolute_url(site_url, value.strip())
    return value


def _where(front: str, warning: str) -> str:
    """"line N: " for a warning about a top-level key (its text starts with the key)."""
    line = _line_of(front, warning.partition(":")[0])
    return f"line {line}: " if line else ""


def _string(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _words(value: Any, path: str, front: str, key: str) -> tuple[str, ...]:
    """Tags and categories: a YAML list, or a space-separated string as Jekyll allows."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split()
    elif isinstance(value, list):
        items = value
    else:
        raise PostError(path, f"{key}: must be a list or a space-separated string, got {brief(value)}",
                        _line_of(front, key))
    seen: dict[str, None] = {}
    for item in items:
        if isinstance(item, (dict, list)) or item is None:
            raise PostError(path, f"{key}: each entry must be a word or phrase, got {brief(item)}",
                            _line_of(front, key))
        word = clean_text(str(item)).strip()
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def _author(value: Any, fail: Callable[[str, str], PostError]) -> Author | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Author(clean_text(value).strip()) if value.strip() else None
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        email = value.get("email")
        if email is not None and not isinstance(email, str):
            raise fail("author", f"email is not an address: {brief(email)}")
        if email is not None:
            try:
                check_address(email)
            except ValueError as exc:
                raise fail("author", f"email: {exc}") from None
        return Author(clean_text(value["name"]).strip(), email)
    raise fail("author", f"must be a name or a mapping with 'name' (and 'email'), got {brief(value)}")


def _image(value: Any, url: str, fail: Callable[[str, str], PostError]) -> str | None:
    if isinstance(value, dict):  # jekyll-seo-tag style: image: {path: …}
        value = value.get("path") or value.get("url")
    if value is None:
        return None
    image = web_url(value, url) if isinstance(value, str) else None
    if image is None:  # file:, data:, javascript:… would reach media:thumbnail, JSON Feed and the digest's <img>
        raise fail("image", f"must be an image path or an http(s) URL, got {brief(value)}")
    return image


def _minutes(value: Any, fail: Callable[[str, str], PostError]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 100_000:
        raise fail("reading_time", f"must be a number of minutes, got {brief(value)}")
    return max(1, round(value))


def _extra(meta: dict[Any, Any], fail: Callable[[str, str], PostError]) -> dict[str, Any]:
    """Unknown keys, kept as plain JSON-like values for templates.

    YAML aliases can make a few lines refer to themselves or expand
    exponentially ("billion laughs"): values are counted and nesting is bounded.
    """
    if meta.keys() <= _KNOWN:  # the usual case
        return {}
    budget = [10_000]

    def plain(value: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > 20:
            raise OverflowError
        if isinstance(value, dict):
            return {str(k): plain(v, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v, depth + 1) for v in value]
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return clean_text(str(value))

    extra = {}
    for key, value in sorted(meta.items(), key=lambda kv: str(kv[0])):
        if key not in _KNOWN:
            try:
                extra[str(key)] = plain(value, 0)
            except OverflowError:
                raise fail(str(key), "nests too deeply or expands too far (a YAML alias that refers to "
                                     "itself?); simplify it") from None
    return extra


def _line_of(front: str, key: str) -> int | None:
    """The file line of a top-level front matter key (front matter starts on line 2)."""
    match = re.search(rf"^{re.escape(key)}\s*:", front, re.MULTILINE)
    return front.count("\n", 0, match.start()) + 2 if match else None
