"""RSS 2.0 and Atom 1.0 documents, built with feedgen and made deterministic.

Beyond what feedgen writes, a :class:`FeedContext` adds the document's own
title and URL (tag feeds, archive pages), extra links (WebSub ``hub``, RFC 5005
``prev-archive`` / ``next-archive`` / ``current``), the ``fh:archive`` marker and
an ``xml-stylesheet`` instruction; entries get enclosures and a
``media:thumbnail`` for the post's image.

feedgen has traps that this module exists to avoid: it defaults every
``updated`` to now() (so the feed changes every run), prepends entries, takes
the *last* link as the RSS channel link, and renders authors with an email as
``email (name)``, which duplicates ``dc:creator``.  The feed's own date is the
newest entry's, never the build time, so identical posts give identical bytes.
"""

from __future__ import annotations

import importlib
import re
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from feedgen.ext.base import BaseEntryExtension, BaseExtension  # feedgen's base classes: no lxml, under 1 ms

from feeder.config import Author, Config
from feeder.feeds.archive import HISTORY_NS
from feeder.feeds.context import FeedContext
from feeder.feeds.labels import kept
from feeder.feeds.stylesheet import with_stylesheet
from feeder.posts.enclosures import Enclosure
from feeder.posts.render import Rendered

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator
    from lxml import etree

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # an empty feed's date: fixed, not now()
# The W3C validator wants character references, not &amp;/&lt;, in RSS plain-text elements.
# Their text holds no "<" (XML escapes it), so [^<]* finds the end tag: a lazy .*? scanned on at every
# unclosed start tag, quadratic in what it could not match.
_PLAIN_RSS = re.compile(rb"(<(title|category|dc:creator)>)([^<]*)(</\2>)")
_HEX = {b"&amp;": b"&#x26;", b"&lt;": b"&#x3C;", b"&gt;": b"&#x3E;"}
ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"


# Ids kept as they are in Atom: http(s) URLs, tag: URIs and URNs, each only when it is
# well-formed by the rules the W3C validator applies (ASCII URI characters, RFC 4151 tags,
# RFC 8141 URNs).  Anything else ("42", "post:<1>", "tag:例え.jp,2025:1") would be an
# invalid or unregistered-scheme id, so it becomes a name-based UUID URN instead.
_URI_CHAR = r"[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,#]"
_ATOM_IDS = (
    re.compile(rf"https?://[0-9A-Za-z.\-]+(:\d+)?(/{_URI_CHAR}*)?"),
    re.compile(r"tag:([a-z0-9\-._]+?@)?[a-z0-9.\-]+?,\d{4}(-\d{2}(-\d{2})?)?:[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,]*"
               r"(#[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,]*)?"),
    re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE),
    re.compile(r"urn:(?!uuid:)[a-z0-9][a-z0-9-]{1,31}:([a-z0-9()+,.:=@;$_!*'\-]|%[0-9a-f]{2})+", re.IGNORECASE),
)


def atom_id(entry_id: str, site_url: str) -> str:
    """An Atom id must be a valid IRI: any other id becomes a stable name-based UUID URN."""
    if any(pattern.fullmatch(entry_id) for pattern in _ATOM_IDS):
        return entry_id
    return uuid.uuid5(uuid.NAMESPACE_URL, site_url + "#" + entry_id).urn


def newest(items: list[Rendered]) -> datetime:
    """The feed's own date: the newest date among its entries."""
    return max((r.post.updated or r.post.date for r in items), default=_EPOCH)


def preload() -> None:
    """Load feedgen and lxml now (publish does it while its parse workers run)."""
    importlib.import_module("feedgen.feed")


def build_rss(config: Config, items: list[Rendered], context: FeedContext) -> bytes:
    """The RSS 2.0 document that *context* describes, listing *items* in their order."""
    fg = _generator(config, items, context, rss=True)
    xml = fg.rss_str(pretty=True)
    return with_stylesheet(_PLAIN_RSS.sub(lambda m: m[1] + _hex_refs(m[3]) + m[4], xml), context.stylesheet)


def build_atom(config: Config, items: list[Rendered], context: FeedContext) -> bytes:
    """The Atom 1.0 document that *context* describes, listing *items* in their order."""
    return with_stylesheet(_generator(config, items, context, rss=False).atom_str(pretty=True), context.stylesheet)


class _Extras(BaseExtension):
    """Feed-level additions feedgen has no API for: extra atom:link relations and fh:archive."""

    links: tuple[tuple[str, str], ...] = ()
    archive = False
    media = False

    def extend_ns(self) -> dict[str, str]:
        return {**({"fh": HISTORY_NS} if self.archive else {}), **({"media": MEDIA_NS} if self.media else {})}

    def _extend(self, parent: etree._Element, link: str) -> None:
        from lxml import etree  # loaded with feedgen, only when a feed is built

        for rel, href in self.links:
            etree.SubElement(parent, link, rel=rel, href=href)
        if self.archive:
            etree.SubElement(parent, f"{{{HISTORY_NS}}}archive")

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        self._extend(feed[0], f"{{{ATOM_NS}}}link")  # in the <channel>, as atom:link
        return feed

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        self._extend(feed, "link")  # feedgen builds Atom in no namespace under a default xmlns
        return feed


class _EntryExtras(BaseEntryExtension):
    """Per entry: the enclosure, and media:thumbnail for the post's image (Media RSS).

    The enclosure is written here rather than with feedgen's ``link(rel="enclosure")``:
    feedgen 1.0 drops the ``rel``, ``type`` and ``length`` of Atom entry links, which
    turns an enclosure into a second alternate link (invalid Atom).
    """

    thumbnail: str | None = None
    enclosure: Enclosure | None = None

    def extend_rss(self, item: etree._Element) -> etree._Element:
        from lxml import etree

        if self.enclosure:  # RSS requires length: 0 when unknown (RSS Best Practices Profile)
            etree.SubElement(item, "enclosure", url=self.enclosure.url, length=str(self.enclosure.length),
                             type=self.enclosure.type)
        return self._thumbnail(item)

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        from lxml import etree

        if self.enclosure:  # Atom's length is optional: left out when unknown
            link = etree.SubElement(entry, "link", rel="enclosure", href=self.enclosure.url, type=self.enclosure.type)
            if self.enclosure.length:
                link.set("length", str(self.enclosure.length))
        return self._thumbnail(entry)

    def _thumbnail(self, entry: etree._Element) -> etree._Element:
        from lxml import etree

        if self.thumbnail:
            etree.SubElement(entry, f"{{{MEDIA_NS}}}thumbnail", url=self.thumbnail)
        return entry


def _generator(config: Config, items: list[Rendered], context: FeedContext, rss: bool) -> FeedGenerator:
    from feedgen.feed import FeedGenerator  # with lxml, 45 ms of start-up a run that builds no feed never pays

    site, feeds = config.site, config.feeds
    self_url = context.url
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("feeder", _Extras, _EntryExtras)
    fg.feeder.links = context.links
    fg.feeder.archive = context.archive
    fg.feeder.media = any(item.post.image for item in items)
    fg.id(self_url)
    fg.title(context.title)
    fg.description(site.description or site.title)
    if site.description:
        fg.subtitle(site.description)
    fg.link(href=self_url, rel="self")
    fg.link(href=site.url, rel="alternate")  # last: feedgen makes the last link the RSS channel <link>
    fg.language(site.language)
    fg.generator("feeder")
    if site.author:
        fg.author(_person(site.author))
    updated = newest(items)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fallback_author = site.author or Author(site.title)
    for item in items:
        post = item.post
        entry = fg.add_entry(order="append")
        # feedgen's id() and guid() each set both the Atom id and the RSS guid: call the one this feed needs.
        if rss:
            entry.guid(post.id, permalink=post.id == post.url)
        else:
            entry.id(atom_id(post.id, site.url))
        entry.title(post.title)
        entry.link(href=post.url, rel="alternate")
        entry.published(post.date)
        entry.updated(post.updated or post.date)
        author = post.author or fallback_author
        entry.author({"name": author.name})  # name only: RSS <author> is for emails, dc:creator for names
        entry.dc.dc_creator(author.name)
        # A tag that is also a category is listed once; all in one call: feedgen rebuilds its list on each.
        terms = dict.fromkeys((*kept(post.tags, config), *kept(post.categories, config)))
        if terms:
            entry.category([{"term": term} for term in terms])
        entry.summary(item.excerpt(feeds.excerpt_length), type="html")
        if feeds.content == "full":
            entry.content(item.html, type="html")
        entry.feeder.enclosure = post.enclosure
        entry.feeder.thumbnail = post.image
    return fg


def _person(author: Author) -> dict[str, str]:
    return {"name": author.name, **({"email": author.email} if author.email else {})}


def _hex_refs(text: bytes) -> bytes:
    for entity, ref in _HEX.items():
        text = text.replace(entity, ref)
    return text
