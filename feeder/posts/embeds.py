"""Embedded players and widgets kept as links: what the sanitizer removes must not vanish without a trace.

Feed readers and mail clients run no scripts and most show no iframes, so the
sanitizer (:func:`feeder.posts.render.sanitize`) removes ``<script>`` and
``<iframe>``.  A post that embeds a YouTube video, a map or a gist would then lose
that part silently; instead, a link to what was embedded is put in its place,
before the sanitizer runs: ``<p><a href="https://www.youtube.com/watch?v=ID">YouTube
video</a></p>``.  A script that only loads a widget (Twitter's ``widgets.js``, whose
tweet is already a ``<blockquote>`` with its link) gets no link.

Only HTML holding ``<script`` or ``<iframe`` pays more than one scan.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

_OPEN = re.compile(r"<(script|iframe)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.IGNORECASE)
_SRC = re.compile(r"""(?:^|\s)src\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_TITLE = re.compile(r"""(?:^|\s)title\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_GIST = re.compile(r"/([\w.-]+/)?([0-9a-fA-F]+)\.js$")


def embed_links(fragment: str) -> str:
    """*fragment* with a link to the source of each script embed and iframe put before it."""
    if not _OPEN.search(fragment):
        return fragment
    return _OPEN.sub(lambda match: _link(match, fragment) + match[0], fragment)


def _link(match: re.Match[str], fragment: str) -> str:
    attributes = match[2]
    found = _SRC.search(attributes)
    if not found:
        return ""
    src = html.unescape(next(group for group in found.groups() if group is not None)).strip()
    if src.startswith("//"):
        src = "https:" + src
    titled = _TITLE.search(attributes)
    title = html.unescape(titled[1] or titled[2] or "").strip() if titled else ""
    url, label = source_of(match[1].lower(), src, title)
    if not url:
        return ""
    link = f'<a href="{html.escape(url)}">{html.escape(label)}</a>'
    before = fragment[:match.start()].rstrip(" \t")
    return f"<p>{link}</p>" if not before or before.endswith(("\n", ">")) else link


def source_of(kind: str, src: str, title: str = "") -> tuple[str | None, str]:
    """Where the ``<script>`` or ``<iframe>`` with *src* comes from, for a reader to follow, and what to call it."""
    parts = urlsplit(src)
    if parts.scheme not in ("http", "https", ""):
        return None, ""
    host = parts.netloc.lower().removeprefix("www.")
    query = parse_qs(parts.query)
    if kind == "script":
        gist = _GIST.search(parts.path) if host == "gist.github.com" else None
        if not gist:
            return None, ""  # a widget loader, an analytics tag, inline code: nothing to link to
        name = f"{gist[1] or ''}{gist[2]}"
        files = query.get("file")
        anchor = "#file-" + re.sub(r"[^a-z0-9]+", "-", files[0].lower()).strip("-") if files else ""
        return f"https://gist.github.com/{name}{anchor}", f"Gist {name}" + (f": {files[0]}" if files else "")
    if host in ("youtube.com", "youtube-nocookie.com", "m.youtube.com") and parts.path.startswith("/embed/"):
        video = parts.path.removeprefix("/embed/").strip("/")
        if video == "videoseries" and query.get("list"):
            return f"https://www.youtube.com/playlist?list={query['list'][0]}", title or "YouTube playlist"
        if video:
            start = f"&t={query['start'][0]}s" if query.get("start", [""])[0].isdigit() else ""
            return f"https://www.youtube.com/watch?v={video}{start}", _label(title, "YouTube video")
    if host == "player.vimeo.com" and parts.path.startswith("/video/"):
        return f"https://vimeo.com/{parts.path.removeprefix('/video/').strip('/')}", _label(title, "Vimeo video")
    if (host.startswith(("google.", "maps.google.")) and parts.path.startswith("/maps")) or \
            host == "openstreetmap.org":
        return src, _label(title, "Map")
    if not parts.netloc and not parts.path:
        return None, ""
    return src, _label(title, f"Embedded content ({host})" if host else "Embedded content")


def _label(title: str, default: str) -> str:
    """The iframe's own title when it says more than a player's generic one."""
    generic = {"", "youtube video player", "vimeo video player", "embedded content"}
    return default if title.lower() in generic else title
