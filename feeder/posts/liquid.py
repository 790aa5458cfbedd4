"""Liquid in a post's body, run before Markdown as Jekyll does it.

A Jekyll post is a Liquid template first: ``{{ site.url }}``, ``{% include %}``,
``{% highlight %}``, ``{% link %}``… are rendered, then the result is Markdown.
The engine is python-liquid (2.x), set up the way Jekyll sets up Liquid 4:
undefined variables render as nothing, an unknown filter passes its value through,
a syntax error fails the post (a :class:`PostError` with the line in the post file).
Jekyll's own tags are in :mod:`feeder.posts.liquid_tags`, its filters in
:mod:`feeder.posts.liquid_filters`.

What only a plugin would know (``{% gist %}``, ``{% youtube %}``, a filter from a
gem, an include that is not there) never reaches a reader as raw text: it renders
as a link or as nothing, and is noted, so ``feeder check`` can list every such
construct with its line before the first publish.

Everything a post's Liquid reads beyond the post itself comes in a
:class:`LiquidSite` the caller builds; nothing here reads the config.  Most posts
have no Liquid at all: :func:`has_liquid` is the fast path that spares them.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from feeder.config import Config
from feeder.errors import PostError
from feeder.posts.collection import scan_site
from feeder.posts.jekyll_page import page_variables
from feeder.posts.post import Post, parse_post
from feeder.posts.scan import read_post

log = logging.getLogger(__name__)
OFF_KEY = "render_with_liquid"  # front matter: false keeps the body's braces as written (Jekyll 4)


@dataclass(frozen=True)
class LiquidSite:
    """What a post's Liquid may read besides the post: built once per run by the caller.

    *url* is the site's address without its path (``https://example.com``), *baseurl* its
    path (``/blog`` or ``""``), as Jekyll splits them.  *post_urls* maps each post's path
    under the posts folder, without its extension (``2020/2020-01-02-hello``), to its
    absolute URL, for ``{% post_url %}`` and ``{% link _posts/… %}``.
    """

    url: str
    baseurl: str
    timezone: tzinfo
    site: Mapping[str, Any] = field(default_factory=dict)  # site.* as templates see it, site.data inside
    posts_dir: Path | None = None  # include_relative reads beside the post
    source_dir: Path | None = None  # the site's root: {% link %} targets, include_relative's bound
    includes_dir: Path | None = None  # {% include %}
    post_urls: Mapping[str, str] = field(default_factory=dict)
    markdownify: Callable[[str], str] | None = None  # the markdownify filter (the renderer's Markdown)

    def path_of(self, url: str) -> str:
        """An absolute URL of this site as Jekyll's ``page.url`` shows it: the path after baseurl."""
        path = urlsplit(url).path
        if self.baseurl and path.startswith(self.baseurl + "/"):
            path = path[len(self.baseurl):]
        return path or "/"


def site_of(site_url: str, timezone: tzinfo, **fields: Any) -> LiquidSite:
    """A :class:`LiquidSite` for *site_url* (``https://example.com/blog/``): url and baseurl split as Jekyll does."""
    parts = urlsplit(site_url)
    return LiquidSite(url=f"{parts.scheme}://{parts.netloc}", baseurl=parts.path.rstrip("/"), timezone=timezone,
                      **fields)


@dataclass(frozen=True)
class Note:
    """A construct a post uses that feeder renders differently from Jekyll with plugins: a warning."""

    line: int  # in the post file
    message: str


class Notes:
    """Notes gathered while one post's Liquid renders; its includes report at the line that includes them."""

    def __init__(self, source: str, first_line: int) -> None:
        self.source, self.first_line = source, first_line
        self.items: dict[tuple[int, str], None] = {}
        self.stack: list[tuple[str, int]] = []  # (include name, post line) of the includes being rendered

    def line_of(self, source: str, index: int) -> int | None:
        """The post file's line of *index* in *source*, when *source* is the post's body."""
        if source is not self.source or index < 0:
            return None
        return self.first_line + source.count("\n", 0, index)

    def add(self, source: str, index: int, message: str) -> None:
        line = self.line_of(source, index)
        if line is None and self.stack:  # inside an include: where the post includes it
            name, line = self.stack[0]
            inner = 1 + source.count("\n", 0, max(index, 0))
            message = f"{message} (in {name}:{inner})"
        self.items.setdefault((line or self.first_line, message), None)

    def sorted(self) -> list[Note]:
        return [Note(line, message) for line, message in sorted(self.items)]


def liquid_site(config: Config, post_urls: Mapping[str, str] | None = None) -> LiquidSite | None:
    """What Liquid reads on *config*'s Jekyll site (None when it is not one: then no Liquid runs).

    Only a Jekyll site's posts are Liquid templates: elsewhere ``{{`` is text an
    author typed (a post about Jinja or Handlebars), not something to render.
    """
    jekyll = config.jekyll
    if jekyll is None:
        return None
    return site_of(config.site.url, config.site.timezone, site=jekyll.site_vars, posts_dir=config.posts_dir,
                   source_dir=jekyll.root, includes_dir=jekyll.includes_dir,
                   post_urls=PostUrls(config) if post_urls is None else post_urls)


class PostUrls(Mapping[str, str]):
    """Each post's URL by its name under ``_posts`` (``2020-01-02-hello``, ``sub/2020-01-02-hello``), found when asked.

    The posts folder is scanned on the first lookup (file names only), and only the
    post asked for is read and parsed: a site where no post uses ``post_url`` pays nothing.
    """

    def __init__(self, config: Config) -> None:
        self._config = config
        self._paths: dict[str, str] | None = None
        self._urls: dict[str, str] = {}

    def _index(self) -> dict[str, str]:
        if self._paths is None:
            self._paths = {post_key(path): path for path in sorted(scan_site(self._config))}
        return self._paths

    def __getitem__(self, key: str) -> str:
        if key not in self._urls:
            path = self._index()[key]
            try:
                self._urls[key] = parse_post(path, read_post(self._config.posts_dir, path), self._config).url
            except PostError:
                raise KeyError(key) from None
        return self._urls[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index())

    def __len__(self) -> int:
        return len(self._index())


def post_key(path: str) -> str:
    """A post's name as ``post_url`` takes it: its path under ``_posts/``, without the extension."""
    inner = path.rpartition("_posts/")[2]
    return inner.rpartition(".")[0] if "." in inner.rpartition("/")[2] else inner


def has_liquid(text: str) -> bool:
    """Whether *text* may hold Liquid: the fast path (most posts have none, and pay one scan)."""
    return "{%" in text or "{{" in text


def wanted(post: Post, text: str) -> bool:
    """Whether Liquid runs on *text* of *post*: it has some, and the post (or its defaults) does not turn it off."""
    front = post.jekyll.meta if post.jekyll is not None else post.extra
    return has_liquid(text) and front.get(OFF_KEY) is not False


class Liquid:
    """The Liquid engine for one site: one environment, includes parsed once, reused for every post."""

    def __init__(self, site: LiquidSite) -> None:
        self.site = site
        self._engine = _engine()
        self.env = self._engine.make_environment(site)

    def render(self, post: Post, text: str, first_line: int) -> tuple[str, list[Note]]:
        """*text* (the post's body or excerpt, starting at *first_line* of its file) rendered, with its notes.

        A syntax error, or an error at render time (a filter given nonsense), is a
        :class:`PostError` naming the post file's line: Jekyll stops the build there.
        """
        notes = Notes(text, first_line)
        out: str = self._engine.render_template(self.env, text, page_vars(post, self.site), notes, post.path)
        return out, notes.sorted()

    def check(self, post: Post, text: str, first_line: int) -> list[PostError]:
        """The notes of *text* as warnings (the rendering is thrown away): what ``feeder check`` lists."""
        _out, notes = self.render(post, text, first_line)
        return [PostError(post.path, note.message, note.line) for note in notes]


def _engine() -> ModuleType:
    """:mod:`feeder.posts.liquid_env`, loaded the first time a post has Liquid.

    It imports python-liquid, which takes ~180 ms (asyncio and babel come with it):
    a run whose posts have no Liquid must not pay that, so it is not imported at the
    top of this module (tests/test_layout.py checks that a publish does not load it).
    """
    return importlib.import_module("feeder.posts.liquid_env")


def page_vars(post: Post, site: LiquidSite) -> dict[str, Any]:
    """``page`` as Jekyll gives it to a post: its front matter (over the defaults), and what Jekyll works out.

    A Jekyll site's post has them from :func:`~feeder.posts.jekyll_page.page_variables`; a post
    built otherwise (a test's, a library caller's) gets the same from what :class:`Post` holds.
    """
    if post.jekyll is not None:
        return page_variables(post, site.timezone)
    page: dict[str, Any] = dict(post.extra)
    url = site.path_of(post.url)
    ident = site.path_of(post.id) if post.id.startswith(site.url + site.baseurl + "/") else post.id
    path = f"_posts/{post.path}"
    if site.posts_dir and site.source_dir and (site.posts_dir / post.path).is_relative_to(site.source_dir):
        path = (site.posts_dir / post.path).relative_to(site.source_dir).as_posix()
    page.update(
        title=post.title, date=post.date.astimezone(site.timezone), url=url, id=ident.rstrip("/") or "/",
        slug=post.slug, categories=list(post.categories), tags=list(post.tags), path=path,
        excerpt=post.excerpt or "", layout=post.extra.get("layout", ""),
    )
    if post.updated:
        page["last_modified_at"] = post.updated.astimezone(site.timezone)
    if post.author:
        page["author"] = post.author.name
    if post.image:
        page["image"] = post.image
    return page
