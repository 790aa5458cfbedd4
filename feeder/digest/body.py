"""One week's posts made into the digest's HTML and plain text, the way mail clients need them.

Both bodies come from the same data through Jinja2 templates (HTML autoescaped)
looked up first in the site's ``digest.templates`` folder, then in the copy
shipped inside the package, so a site with only ``config.yaml`` and ``posts/``
still gets a digest, and a site may override one template and keep the other.
Mail clients ignore ``<style>`` (Gmail for some accounts, Outlook for most of
it), so the CSS is inlined into ``style=`` attributes with ``css-inline``; only
the media queries (mobile width, dark mode) stay in a ``<style>`` block, which
is moved after ``<meta charset>`` so the charset stays in the first 1024 bytes.

css-inline walks the document recursively in native code: past about 10,000
nested elements it overflows the stack and the whole process dies (a post of
25,000 ``*``, ``x``, 25,000 ``*`` is 12,500 ``<strong>`` in one another).  The
only HTML from posts is their excerpt, so :func:`email_problem` refuses an
excerpt nested deeper than :data:`MAX_DEPTH`: that post is left out of the
digest and reported, like any post that cannot be used, and the document
css-inline sees nests at most the template's depth plus about twice that.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import css_inline
import jinja2
import nh3
from markupsafe import Markup

from feeder.config import Config
from feeder.digest.tables import mark_tables
from feeder.digest.templating import Unknown, explain
from feeder.errors import ConfigError, PostError
from feeder.i18n import direction, format_date, primary, words
from feeder.posts.excerpt import cut_text, nesting_depth, truncate_html
from feeder.posts.plaintext import WIDTH, collapse, letter_text
from feeder.posts.render import Rendered
from feeder.posts.wrap import wrap

HTML_TEMPLATE = "digest.html"
TEXT_TEMPLATE = "digest.txt"
# Written where each recipient's unsubscribe URL goes; swapped per recipient by Issue.personalize.
UNSUBSCRIBE_TOKEN = "https://feeder.invalid/unsubscribe-token-5f0c2a"
PREHEADER_LENGTH = 140
TITLE_LENGTH = 150  # characters of a title the digest shows: a headline, not a paragraph (the post keeps it whole)
NAME_LENGTH = 80  # characters of an author's name
# How deep an excerpt's elements may nest to reach the email.  Real posts nest a dozen levels
# (lists in quotes in lists); css-inline crashes the process near 10,000 (8 MB stack), and a
# re-parse can at most about double the depth the sanitizer wrote, so 100 leaves a wide margin.
MAX_DEPTH = 100

# What an excerpt may keep in email: text structure, links and images; no media players, no classes
# (a class could pick up the template's CSS when inlined), no styles.
_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "del", "em", "figcaption", "figure", "h1", "h2", "h3",
         "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
         "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
_ATTRIBUTES = {"*": {"lang", "dir", "title"}, "a": {"href", "hreflang"}, "img": {"src", "alt"},
               "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}, "ol": {"start"}}
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^<>]*\balt=)")  # [^<>], not [^>]: linear on unclosed tags too
_CSS_INLINER = css_inline.CSSInliner(keep_at_rules=True, minify_css=True, load_remote_stylesheets=False)
_AT_RULES = re.compile(r"(?<=<head>)<style>(.*?)</style>", re.DOTALL)  # where css-inline puts kept @media
_KEPT = re.compile(r"<style data-keep>(.*?)</style>", re.DOTALL)  # the template's own blocks, never post text


@dataclass(frozen=True)
class Item:
    """One post as the templates see it: display strings, absolute URLs, safe excerpt HTML."""

    title: str
    url: str
    date: str  # in the site's language and timezone
    datetime: str  # ISO 8601 in the site's timezone, for <time datetime>
    author: str | None
    tags: tuple[str, ...]
    reading_time: int
    image: str | None
    excerpt_html: Markup
    excerpt_text: str
    extra: Mapping[str, Any]  # the post's other front matter keys (``{{ item.extra.subtitle }}``), read-only


def frozen(value: Any) -> Any:
    """*value* (plain front matter data) made read-only all the way down: a template cannot change a post."""
    if isinstance(value, dict):
        return MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(frozen(v) for v in value)
    return value


def email_excerpt(fragment: str, length: int) -> str:
    """*fragment* (already sanitized) cut to *length* characters and reduced to what email can show.

    The second sanitizer pass is deliberate: the feed pipeline allows ``<video>`` and
    ``class``, email does not, and nothing active may reach a mail client even if the
    feed-side allow-list grows one day.  Every image gets an ``alt`` (empty = decorative).
    """
    cut = truncate_html(fragment, length)
    clean = nh3.clean(cut, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                      clean_content_tags={"script", "style"}, link_rel=None, strip_comments=True)
    return mark_tables(_IMG_WITHOUT_ALT.sub('<img alt=""', clean).strip())


def email_problem(rendered: Rendered) -> PostError | None:
    """Why *rendered*'s excerpt cannot go into an email, or None when it can (see the module docstring).

    The excerpt is the sanitizer's output (balanced markup), so its nesting is
    counted exactly; cutting it shorter never makes it deeper.
    """
    depth = nesting_depth(rendered.excerpt_html)
    if depth <= MAX_DEPTH:
        return None
    post = rendered.post
    return PostError(post.path, f"the excerpt nests HTML elements {depth:,} deep, over the {MAX_DEPTH} the digest "
                     "allows (a long run of * or _ nests <strong> and <em> in one another); left out of the "
                     "digest", None if post.excerpt else post.body_line)


def item(config: Config, rendered: Rendered, excerpt_length: int) -> Item:
    post, tz, lang = rendered.post, config.site.timezone, config.site.language
    author = post.author or config.site.author
    excerpt = email_excerpt(rendered.excerpt_html, excerpt_length)
    return Item(
        title=cut_text(post.title, TITLE_LENGTH),
        url=post.url,
        date=format_date(post.date, lang, tz),
        datetime=post.date.astimezone(tz).isoformat(),
        author=cut_text(author.name, NAME_LENGTH) if author else None,
        tags=post.tags[: config.feeds.max_labels_per_post],  # as the feeds list them (see feeder.feeds.labels)
        reading_time=rendered.reading_time,
        image=post.image,
        excerpt_html=Markup(excerpt),
        excerpt_text=letter_text(excerpt),  # the same cut, laid out as a letter's text
        extra=frozen(post.extra),
    )


def environment(config: Config) -> jinja2.Environment:
    """A fresh environment: templates are read from disk each time (the preview relies on it)."""
    loaders: list[jinja2.BaseLoader] = []
    if config.digest.templates is not None:
        if not config.digest.templates.is_dir():
            raise ConfigError(f"digest.templates: {config.digest.templates} is not a folder")
        loaders.append(jinja2.FileSystemLoader(config.digest.templates))
    loaders.append(jinja2.PackageLoader("feeder", "templates/email"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm"), default=False),
        undefined=Unknown,  # an unknown value raises, naming itself (see feeder.digest.templating)
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["wrap"] = wrap_lines  # {{ item.title | wrap }}: 72 columns, CJK-aware, for digest.txt
    return env


def wrap_lines(text: str, width: int = WIDTH) -> str:
    """*text* on lines of at most *width* columns (see :mod:`feeder.posts.wrap`)."""
    return "\n".join(wrap(collapse(str(text)).strip(), width))


class Bodies:
    """One issue's templates, compiled once, rendered as often as fitting the issue takes.

    The templates are read from disk when this is made, so the preview (which
    makes one per request) shows an edit on the next reload; compiling them costs
    about 50 ms, which every render after the first is spared.
    """

    def __init__(self, config: Config, *, week: str, start: datetime, end: datetime, web_url: str) -> None:
        self._config, self._env = config, environment(config)
        site, lang = config.site, config.site.language
        t = words(lang)
        self._t = t
        self._context = {
            "site": site, "lang": lang, "lang_primary": primary(lang), "dir": direction(lang), "t": t,
            "week": week, "start": format_date(start, lang, site.timezone),
            "end": format_date(end.astimezone(site.timezone).date() - timedelta(days=1), lang),
            "week_of": t["week_of"],
            "unsubscribe_url": UNSUBSCRIBE_TOKEN if config.digest.unsubscribe_url or config.serve.public_url else None,
            # CAN-SPAM asks for the sender's postal address in every message: one line each
            "postal_address": config.digest.postal_address.splitlines() if config.digest.postal_address else [],
            "web_url": web_url, "why": t["why"].format(site=site.title),
        }

    def render(self, items: list[Item], *, subject: str, omitted: int = 0) -> tuple[str, str]:
        """The (html, text) bodies, with :data:`UNSUBSCRIBE_TOKEN` where the unsubscribe URL goes."""
        context = self._with(items, subject, omitted)
        return inline_css(_render(self._env, HTML_TEMPLATE, context)), _render(self._env, TEXT_TEMPLATE, context)

    def html(self, items: list[Item], *, subject: str, omitted: int = 0) -> str:
        """Only the HTML body (what the size limit is about)."""
        return inline_css(_render(self._env, HTML_TEMPLATE, self._with(items, subject, omitted)))

    def _with(self, items: list[Item], subject: str, omitted: int) -> dict[str, Any]:
        t = self._t
        count = t["post"] if len(items) == 1 else t["posts"].format(n=len(items))
        return {**self._context, "subject": subject, "items": items, "count": count, "more": omitted,
                "preheader": cut_text(count + " — " + " / ".join(i.title for i in items), PREHEADER_LENGTH)}


def _render(env: jinja2.Environment, name: str, context: dict) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{exc.filename or name}:{exc.lineno}: template error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(f"digest.templates: no template {exc.name!r}") from None
    except jinja2.UndefinedError as exc:
        raise ConfigError(explain(exc, name)) from None


def inline_css(document: str) -> str:
    """Styles into ``style=`` attributes; the ``<style data-keep>`` blocks and any ``@media`` rules a plain
    ``<style>`` held kept as ``<style>`` at the end of ``<head>``, whitespace collapsed.

    Moved there, after ``<meta charset>``, so the charset stays in the first 1024 bytes.
    """
    kept = [" ".join(block.split()) for block in _KEPT.findall(document)]
    inlined = _CSS_INLINER.inline(_KEPT.sub("", document))
    at_rules = _AT_RULES.search(inlined)
    if at_rules is not None:
        kept.insert(0, " ".join(at_rules.group(1).split()))
        inlined = inlined[: at_rules.start()] + inlined[at_rules.end():]
    if not kept or "</head>" not in inlined:
        return inlined
    blocks = "".join(f"<style>{block}</style>\n" for block in kept if block)
    return inlined.replace("</head>", f"{blocks}</head>", 1)
