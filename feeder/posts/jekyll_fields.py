"""What a post of a Jekyll site is, by Jekyll's rules: the fields :mod:`feeder.posts.post` takes from here.

The post's URL is its Jekyll permalink on the site (``url`` + ``baseurl`` + the
expanded template) and its id jekyll-feed's ``post.id | absolute_url``, so a
site that switches keeps every link and every reader's read/unread state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from feeder.brief import brief
from feeder.config import Config
from feeder.dates import parse_date
from feeder.errors import PostError
from feeder.jekyll_site import JekyllSite
from feeder.posts import jekyll_post as rules
from feeder.posts.permalink import UnknownPlaceholder, absolute_url, document_id, expand, placeholders
from feeder.posts.title import jekyll_title
from feeder.text import clean_text

OUTPUT_EXT = ".html"  # what Jekyll writes a Markdown post as


@dataclass(frozen=True)
class JekyllFields:
    meta: dict[str, Any]  # the front matter over the defaults that apply to the post
    slug: str  # data["slug"]: the front matter's, else the file name's
    title: str
    date: datetime  # aware, UTC
    draft: bool  # not published (published: false, or empty), or draft: true
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    page_url: str  # Jekyll's page.url: from "/" of the site, escaped
    page_id: str  # Jekyll's page.id: the URL's folder and the slug
    url: str  # absolute
    id: str  # absolute; the front matter's id (or guid) if it has one
    excerpt: str | None  # front matter description / excerpt / summary (Markdown), in jekyll-feed's order
    excerpt_separator: str
    warnings: tuple[str, ...]


def jekyll_fields(path: str, raw: dict[str, Any], config: Config, site: JekyllSite,
                  fail: Callable[[str, str], PostError]) -> JekyllFields:
    """The Jekyll fields of the post at *path* (relative to the site's root) with front matter *raw*."""
    warnings: list[str] = []
    defaults = rules.with_defaults({}, path, site)
    meta = rules.with_defaults(raw, path, site)
    tz = config.site.timezone
    day, file_slug, _ext = rules.file_name(path)
    slug = _text(meta.get("slug")) or file_slug
    if meta.get("date") is not None:
        try:
            date, warning = rules.front_date(meta["date"], tz)
        except ValueError as exc:
            raise fail("date", str(exc)) from None
        if warning:
            warnings.append(warning)
    elif day is not None:
        try:
            date = parse_date(day, tz)
        except ValueError as exc:
            raise PostError(path, f"file name date: {exc}") from None
    else:
        raise PostError(path, "no date: name the file YYYY-MM-DD-slug.md, as Jekyll requires of posts", 1)
    date = date.astimezone(timezone.utc)
    is_published, warning = rules.published(meta)
    if warning:
        warnings.append(warning)
    categories = tuple(_labels(rules.categories(raw, defaults, path)))
    template = meta["permalink"] if isinstance(meta.get("permalink"), str) else config.permalink
    relative = "/" + path.partition(rules.POSTS + "/")[2].rpartition(".")[0]
    stem = path.rpartition("/")[2].rpartition(".")[0] or path.rpartition("/")[2]  # basename_without_ext
    values = placeholders(date.astimezone(tz), slug, stem, categories, OUTPUT_EXT, relative)
    try:
        page_url = expand(template, values)
    except UnknownPlaceholder as exc:
        raise fail("permalink", str(exc)) from None
    page_id = document_id(page_url, slug)
    ident = _text(meta.get("id")) or _text(meta.get("guid"))
    url = absolute_url(config.site.url, page_url)
    title = jekyll_title(_text(meta.get("title")) or rules.title_from_slug(slug), site.kramdown.smart_quotes)
    excerpt = next((meta[k] for k in ("description", "excerpt", "summary") if meta.get(k) is not None), None)
    if excerpt is not None and not isinstance(excerpt, str):
        raise fail("excerpt", f"must be text, got {brief(excerpt)}")
    separator = meta.get("excerpt_separator")
    return JekyllFields(
        meta=meta, slug=slug, title=title or slug, date=date,
        draft=not is_published or meta.get("draft") is True,
        categories=categories, tags=tuple(_labels(rules.tags(meta))),
        page_url=page_url, page_id=page_id, url=url,
        id=clean_text(ident).strip() if ident else absolute_url(config.site.url, page_id),
        excerpt=clean_text(excerpt) if excerpt else None,
        excerpt_separator=str(separator) if separator is not None else site.excerpt_separator,
        warnings=tuple(warnings),
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, tuple)):
        return None
    return str(value)


def _labels(words: list[str]) -> list[str]:
    return list(dict.fromkeys(w for w in (clean_text(word).strip() for word in words) if w))
