"""A post's Markdown made into HTML that is safe to hand to any feed reader or mail client.

Three things happen to every piece of HTML, in one sanitizer pass: active
content goes (scripts, handlers, iframes, forms, ``javascript:`` URLs), every
URL becomes absolute against the post's own URL (readers and mail clients
ignore ``xml:base``), and characters XML 1.0 forbids are dropped.  This is the
expensive step of a build, so it runs only for posts that reach an output.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Generator, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3

from feeder.config import Config
from feeder.deadline import Expired, deadline
from feeder.errors import PostError
from feeder.pool import WorkerPool
from feeder.posts import blocks, idle, inline
from feeder.posts.cache import PostCache
from feeder.posts.dialect import Dialect, converter
from feeder.posts.embeds import embed_links
from feeder.posts.excerpt import truncate_html
from feeder.posts.jekyll_post import excerpt_source
from feeder.posts.liquid import Liquid, LiquidSite, liquid_site, wanted
from feeder.posts.load import Source, load
from feeder.posts.nesting import TooDeep, check_nesting
from feeder.posts.plaintext import visible_text
from feeder.posts.post import Post
from feeder.text import clean_text

MORE = "<!--more-->"
_PARALLEL_FROM = 32  # posts to render in one batch before forked workers pay for themselves
_CHUNK = 8  # posts a render worker takes at a time: ~25 ms of work per trip through the pool's pipes
_AHEAD = 256  # posts the workers may render ahead of the feeds being built: they keep busy, memory stays bounded
_SAVE_EVERY = 256  # freshly rendered posts kept in the cache per commit
RENDER_LIMIT = 10.0  # seconds one post may take to render (real posts take milliseconds)
_URL_ATTRS = {"href", "src", "poster", "cite"}
_SCHEMES = {"http", "https", "mailto", "tel"}
_TAGS = (nh3.ALLOWED_TAGS - {"center"}) | {"picture", "source", "video", "audio", "track", "figure", "figcaption"}
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag, _extra in {
    "*": {"lang", "dir", "title", "class"},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "loading"},
    "source": {"src", "srcset", "sizes", "type", "media"},
    "video": {"src", "poster", "controls", "width", "height", "muted", "loop", "playsinline"},
    "audio": {"src", "controls", "loop"},
    "track": {"src", "kind", "srclang", "label"},
    "th": {"style"}, "td": {"style"},
}.items():
    _ATTRIBUTES.setdefault(_tag, set()).update(_extra)
# A Jekyll site's HTML keeps the ids that links into it use: kramdown's heading ids, footnotes, {:toc}.
_WITH_IDS = _ATTRIBUTES | {tag: _ATTRIBUTES.get(tag, set()) | {"id"}
                           for tag in ("h1", "h2", "h3", "h4", "h5", "h6", "li", "sup", "ul", "a")}


@dataclass(frozen=True)
class Rendered:
    """A post with its HTML: full content, and the excerpt before any cutting."""

    post: Post
    html: str
    excerpt_html: str
    _cut: dict[int, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def reading_time(self) -> int:
        """Minutes to read: the front matter's, else counted, only when asked (the digest shows it; feeds do
        not, and counting is a quarter of rendering a post)."""
        return self.post.reading_time or reading_minutes(self.html)

    def excerpt(self, length: int) -> str:
        """The excerpt cut to *length* visible characters: cut once per length, however many feeds show it
        (a post's RSS and Atom entries, on each page that lists it, share one cut)."""
        cut = self._cut.get(length)
        if cut is None:
            cut = self._cut[length] = truncate_html(self.excerpt_html, length)
        return cut


def preload() -> None:
    """Load Markdown and its extensions now, so that the first render does not pay for it.

    Building the first converter imports the extensions and compiles their
    patterns (~50 ms); later converters reuse both.  Publish calls this while
    its parse workers run, when this process would otherwise wait.
    """
    _converter()


def _converter() -> Any:
    """A Markdown converter with the extensions posts may use.

    The extensions are passed as objects: named by string, Markdown first scans
    every installed package's entry points for the names (~15 ms a process).
    """
    import markdown
    from markdown.extensions.abbr import AbbrExtension
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.def_list import DefListExtension
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.md_in_html import MarkdownInHtmlExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    extensions = [FencedCodeExtension(), TableExtension(), FootnoteExtension(), SaneListExtension(),
                  DefListExtension(), AbbrExtension(), AttrListExtension(), MarkdownInHtmlExtension()]
    md = markdown.Markdown(extensions=extensions, output_format="html")
    inline.register(md)  # the same output, without offering text to patterns that cannot match it
    blocks.register(md)  # and without offering blocks to processors that cannot take them
    idle.register(md)  # nor running the raw-HTML and attribute-list passes over a post that has neither
    return md


class Renderer:
    """Renders posts, reusing what it can: one Markdown converter, and HTML kept in *cache*.

    The converter is built on first use (loading its extensions costs more than
    rendering a post), and a post whose file bytes hash to what the cache saw is
    not rendered again: an edit re-renders that post, not the whole feed.  With
    *workers* > 1, a batch of at least :data:`_PARALLEL_FROM` posts to render
    (archive pages, a first publish) is rendered on that many forked processes
    (see :mod:`feeder.pool`) for as long as that batch's stream runs; only a
    caller that runs no other thread may ask for that.
    """

    def __init__(self, config: Config, cache: PostCache | None = None, workers: int = 1,
                 time_limit: float = RENDER_LIMIT, keep: Collection[str] | None = None,
                 liquid: LiquidSite | None = None) -> None:
        """*keep*: the posts whose fresh HTML is worth keeping in *cache* (default: every post rendered).

        Publish keeps only the newest posts' (it prunes the rest afterwards), so a
        first publish does not compress and store thousands of pages to delete them.
        *liquid*: what Liquid in posts may read; by default the Jekyll site's (see
        :func:`~feeder.posts.liquid.liquid_site`), and none, so no Liquid, for other sites.
        """
        self._config, self._cache, self._workers, self._time_limit = config, cache, workers, time_limit
        self._keep = keep
        self._md: Any = None
        self._liquid_site = liquid if liquid is not None else liquid_site(config)
        self._liquid: Liquid | None = None
        self._dialect = Dialect.of(config.jekyll.kramdown) if config.jekyll is not None else None

    def markdown(self, source: str, base_url: str) -> str:
        """Markdown to sanitized HTML with absolute URLs; a Jekyll site's in kramdown's dialect."""
        return sanitize(self._convert(source), base_url, ids=self._dialect is not None)

    def _convert(self, source: str) -> str:
        """Markdown to HTML, unsanitized, with the site's converter (built on first use, then reused)."""
        if self._md is None:
            self._md = _converter() if self._dialect is None else converter(self._dialect)
        self._md.reset()
        return str(self._md.convert(clean_text(source)))

    def render(self, source: Source) -> Rendered:
        """One post rendered (or as the cache kept it); a :class:`PostError` if it cannot be."""
        rendered, problems = self.render_all([source])
        if problems:
            raise problems[0]
        return rendered[0]

    def render_paths(self, paths: list[str]) -> tuple[list[Rendered], list[PostError]]:
        """The posts at *paths* read, parsed and rendered, in order; a problem for each that cannot be."""
        sources, problems = load(self._config, paths)
        rendered, failed = self.render_all(sources)
        return rendered, problems + failed

    def render_all(self, sources: list[Source]) -> tuple[list[Rendered], list[PostError]]:
        """*sources* rendered in order, those the cache kept as they were; a problem for each that fails."""
        rendered: list[Rendered] = []
        problems: list[PostError] = []
        for _source, item in self.stream(sources):
            if isinstance(item, PostError):
                problems.append(item)
            else:
                rendered.append(item)
        return rendered, problems

    def stream(self, sources: list[Source], ahead: int = _AHEAD
               ) -> Generator[tuple[Source, Rendered | PostError], None, None]:
        """Each of *sources* with its rendering (or the problem), in order, as soon as it is ready.

        With workers, up to *ahead* posts are rendered ahead of the consumer, so
        the workers render while this process builds feeds from what it has.
        What is rendered afresh is kept in the cache, in a commit every few
        hundred posts.
        """
        kept = [self._cache.rendered(s.post.path, s.digest) if self._cache else None for s in sources]
        todo = [(s.post, s.body) for s, k in zip(sources, kept, strict=True) if k is None]
        pool: WorkerPool[int, tuple[str, str] | PostError] | None = None
        fresh: Iterator[Rendered | PostError]
        if self._workers > 1 and len(todo) >= _PARALLEL_FROM:
            self.markdown("", self._config.site.url)  # built here once: the forked workers inherit it
            if self._liquid_site is not None and any(wanted(post, body) for post, body in todo):
                self.liquid()  # python-liquid loaded once here, not once per worker
            # The workers inherit *todo* too: each task is an index, each result two strings (no Post either way).
            pool = WorkerPool(self._workers, lambda index: _parts(self._render_or_report(*todo[index])))
            rendered = pool.ordered(range(len(todo)), ahead, chunk=_CHUNK)
            fresh = (_whole(todo[index][0], part) for index, part in enumerate(rendered))
        else:
            fresh = (self._render_or_report(post, body) for post, body in todo)
        unsaved: list[tuple[str, bytes, str, str]] = []
        try:
            for source, found in zip(sources, kept, strict=True):
                if found:
                    yield source, Rendered(source.post, *found)
                    continue
                item = next(fresh)
                if isinstance(item, Rendered) and (self._keep is None or item.post.path in self._keep):
                    unsaved.append((item.post.path, source.digest, item.html, item.excerpt_html))
                    if len(unsaved) >= _SAVE_EVERY:
                        self._save(unsaved)
                yield source, item
        finally:
            if pool is not None:
                pool.close()
            self._save(unsaved)

    def _save(self, unsaved: list[tuple[str, bytes, str, str]]) -> None:
        if self._cache and unsaved:
            self._cache.keep_rendered(unsaved)
        unsaved.clear()

    def liquid(self) -> Liquid:
        """The Liquid engine, made on first use (its markdownify filter is this renderer's Markdown)."""
        assert self._liquid_site is not None
        if self._liquid is None:
            self._liquid = Liquid(replace(self._liquid_site, markdownify=self._convert))
        return self._liquid

    def _render_or_report(self, post: Post, body: str) -> Rendered | PostError:
        try:
            return self.render_body(post, body)
        except PostError as exc:
            return exc

    def render_body(self, post: Post, body: str) -> Rendered:
        """*body* (the post's Markdown) rendered, within the time limit (see :mod:`feeder.deadline`)."""
        try:
            with deadline(self._time_limit):
                return self._render_body(post, body)
        except Expired:
            raise PostError(post.path, f"Markdown took over {self._time_limit:g} s to render; look for a long run "
                            "of unclosed brackets, asterisks or backticks") from None
        except RecursionError:  # Python-Markdown recurses per nested block: ~350 <div markdown="1"> exhaust it
            raise PostError(post.path, "Markdown nests too deeply to render (hundreds of blocks inside each other, "
                            "such as <div markdown=\"1\">); flatten it") from None
        except TooDeep as exc:
            raise PostError(post.path, f"cannot render: {exc}") from None

    def _render_body(self, post: Post, body: str) -> Rendered:
        if self._liquid_site is not None and wanted(post, body):  # the fast path: most posts have no Liquid
            body = self.liquid().render(post, body, post.body_line)[0]
        full = self.markdown(body.replace(MORE, "\n\n" + MORE + "\n\n", 1), post.url)
        if post.excerpt:
            excerpt = self.markdown(post.excerpt, post.url)
        elif post.jekyll is not None:  # Jekyll's excerpt: up to excerpt_separator (the first block by default)
            head = excerpt_source(body, post.jekyll.excerpt_separator)
            excerpt = self.markdown(head.rstrip(), post.url) if head else ""  # kramdown drops trailing blanks
        elif MORE in body:
            excerpt = self.markdown(body.split(MORE, 1)[0], post.url)
        else:
            excerpt = _first_paragraph(full)
        return Rendered(post, full, excerpt)


def _parts(item: Rendered | PostError) -> tuple[str, str] | PostError:
    """What a render worker sends back: the post itself stays behind (the parent has it)."""
    return item if isinstance(item, PostError) else (item.html, item.excerpt_html)


def _whole(post: Post, part: tuple[str, str] | PostError) -> Rendered | PostError:
    return part if isinstance(part, PostError) else Rendered(post, *part)


def _first_paragraph(fragment: str) -> str:
    """The first ``<p>…</p>`` of *fragment*, or all of it (two finds: a lazy regex could rescan per "<p>")."""
    start = fragment.find("<p>")
    end = fragment.find("</p>", start) if start >= 0 else -1
    return fragment[start:end + 4] if end >= 0 else fragment


def sanitize(fragment: str, base_url: str, ids: bool = False) -> str:
    """Strip active content, make URLs absolute against *base_url*, drop XML-forbidden characters.

    With *ids*, headings, list items, footnote marks and links keep their ``id`` (links into the post use them).

    HTML that nests too deeply for the sanitizer is a :class:`TooDeep` (see :mod:`feeder.posts.nesting`).
    """
    check_nesting(fragment)
    fragment = embed_links(fragment)  # before the sanitizer drops scripts and iframes: a link to each stays

    def rewrite(tag: str, attr: str, value: str) -> str | None:
        if attr in _URL_ATTRS:
            return absolute_url(value, base_url)
        if attr == "srcset":
            return _srcset(value, base_url)
        return value

    cleaned = nh3.clean(
        clean_text(fragment),
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_WITH_IDS if ids else _ATTRIBUTES,
        attribute_filter=rewrite,
        url_schemes=_SCHEMES,
        link_rel=None,
        filter_style_properties={"text-align"},
    )
    return clean_text(cleaned).strip()  # again: the sanitizer decodes references such as &#1; into characters


def absolute_url(value: str, base_url: str) -> str | None:
    """*value* resolved against *base_url*; None for schemes a reader must never follow."""
    url = urljoin(base_url, value.strip())
    return url if urlsplit(url).scheme.lower() in _SCHEMES else None


def _srcset(value: str, base_url: str) -> str | None:
    candidates = []
    for candidate in value.split(","):
        parts = candidate.split()
        if not parts:
            continue
        url = absolute_url(parts[0], base_url)
        if url is None or urlsplit(url).scheme not in ("http", "https"):
            continue
        candidates.append(" ".join([url, *parts[1:]]))
    return ", ".join(candidates) or None


@cache
def _reading_patterns() -> tuple[Any, Any]:
    """CJK characters, and words of other scripts; compiled on first use (``regex`` takes 15 ms to import)."""
    import regex

    return (regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]"),
            regex.compile(r"[^\s\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{P}]+"))


def reading_minutes(fragment: str) -> int:
    """Minutes to read: CJK at 500 characters a minute, other scripts at 220 words a minute."""
    text = visible_text(fragment)
    cjk_pattern, word_pattern = _reading_patterns()
    cjk = len(cjk_pattern.findall(text))
    words = len(word_pattern.findall(text))
    return max(1, math.ceil(cjk / 500 + words / 220))
