"""Where Liquid's links point: ``{% post_url %}``, ``{% link %}``, and the tags of embed plugins.

Pure functions over a :class:`~feeder.posts.liquid.LiquidSite` (no Liquid engine
needed).  Like Jekyll 4, ``post_url`` and ``link`` give the URL's path with the
site's baseurl (``/blog/2020/01/02/hello/``); the sanitizer later makes it absolute.

A plugin tag feeder does not run (``gist``, ``youtube``, ``vimeo``, ``tweet``,
``instagram``…) becomes a link to what it would have embedded when its argument
says what that is (a gist id, a video id, a URL), so the reader can still follow
it; otherwise it renders as nothing.  Either way ``feeder check`` lists it.
"""

from __future__ import annotations

import html
import re
import shlex
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from feeder.errors import PostError
from feeder.posts.source import load_front_matter, split_front_matter

if TYPE_CHECKING:
    from feeder.posts.liquid import LiquidSite

_MARKUP = {".md", ".markdown", ".mkd", ".mkdn", ".html", ".htm"}
_PLACEHOLDER = re.compile(r":(collection|path|name|title|basename|output_ext|slug)")


def post_url(site: LiquidSite, name: str) -> tuple[str, str | None]:
    """The path of the post *name* (``2020-01-02-hello``, or with its folders), and a problem if there is none."""
    key = name.strip().lstrip("/")
    stem = key.rsplit(".", 1)[0] if PurePosixPath(key).suffix in _MARKUP else key
    url = site.post_urls.get(stem)
    if url is None:  # named without its folders under _posts/: the one post of that name
        last = stem.rpartition("/")[2]
        matches = [path for path in site.post_urls if path.rpartition("/")[2] == last]
        url = site.post_urls.get(matches[0]) if len(matches) == 1 else None
    if url is None:
        return "", f"post_url {name.strip()}: no post has that name (its file is YYYY-MM-DD-slug.md); the link is empty"
    return _path(url), None


def link_url(site: LiquidSite, target: str) -> tuple[str, str | None]:
    """The URL path of the site file *target* (``_posts/….md``, ``about.md``, ``_docs/x.md``), and any problem."""
    target = target.strip().lstrip("/")
    parts = PurePosixPath(target).parts
    if "_posts" in parts:
        inner = "/".join(parts[parts.index("_posts") + 1:])
        url, problem = post_url(site, inner)
        return url, problem and f"link {target}: no such post; the link is empty"
    guess = site.baseurl + _page_path(site, target)
    if site.source_dir is None or not (site.source_dir / target).is_file():
        return guess, f"link {target}: no such file in the site; linked to {guess} as Jekyll would name it"
    permalink = _front_permalink(site, target)
    return (site.baseurl + "/" + permalink.lstrip("/") if permalink else guess), None


def _page_path(site: LiquidSite, target: str) -> str:
    """The URL Jekyll gives a page or collection document without a permalink of its own."""
    path = PurePosixPath(target)
    ext = ".html" if path.suffix in _MARKUP else path.suffix
    stem = path.with_suffix("").as_posix() if path.suffix in _MARKUP else path.as_posix()
    collection = path.parts[0][1:] if len(path.parts) > 1 and path.parts[0].startswith("_") else None
    if collection:
        settings = site.site.get("collections") or {}
        pattern = settings.get(collection, {}).get("permalink") if isinstance(settings, dict) and isinstance(
            settings.get(collection), dict) else None
        inner = PurePosixPath(*path.parts[1:])
        values = {"collection": collection, "path": inner.with_suffix("").as_posix() if ext == ".html" else
                  inner.as_posix(), "name": path.stem, "title": path.stem, "slug": path.stem,
                  "basename": path.stem, "output_ext": ext if ext == ".html" else ""}
        filled = _PLACEHOLDER.sub(lambda m: values[m[1]], pattern or "/:collection/:path:output_ext")
        return quote("/" + filled.lstrip("/"), safe="/:@-._~!$&'()*+,;=%")
    if path.stem == "index" and ext == ".html":
        folder = path.parent.as_posix()
        return "/" if folder == "." else f"/{folder}/"
    return quote("/" + stem + ext, safe="/:@-._~!$&'()*+,;=%")


def _front_permalink(site: LiquidSite, target: str) -> str | None:
    assert site.source_dir is not None
    try:
        data = (site.source_dir / target).read_bytes()
        meta = load_front_matter(target, split_front_matter(target, data)[0])
    except (OSError, PostError):
        return None
    permalink = meta.get("permalink")
    return permalink if isinstance(permalink, str) and permalink.startswith("/") else None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def plugin_output(name: str, argument: str) -> str:
    """What the plugin tag *name* with *argument* becomes: a link to what it embeds, or nothing."""
    try:
        args = shlex.split(argument)
    except ValueError:
        args = argument.split()
    first = args[0] if args else ""
    url, label = _embed(name, first, args[1:])
    if url is None:
        return ""
    return f'<a href="{html.escape(url)}">{html.escape(label)}</a>'


def _embed(name: str, first: str, rest: list[str]) -> tuple[str | None, str]:
    is_url = bool(re.match(r"https?://[^\s\"'<>]+$", first))
    if name == "gist" and re.fullmatch(r"[\w.-]+(?:/[0-9a-fA-F]+)?|[0-9a-fA-F]+", first):
        anchor = "#file-" + re.sub(r"[^a-z0-9]+", "-", rest[0].lower()).strip("-") if rest else ""
        return f"https://gist.github.com/{first}{anchor}", f"Gist {first}" + (f": {rest[0]}" if rest else "")
    if name == "youtube" and re.fullmatch(r"[\w-]{6,20}", first):
        return f"https://www.youtube.com/watch?v={first}", "YouTube video"
    if name == "vimeo" and first.isdigit():
        return f"https://vimeo.com/{first}", "Vimeo video"
    if name in ("tweet", "twitter") and first.isdigit():
        return f"https://twitter.com/i/web/status/{first}", "Tweet"
    if name == "instagram" and re.fullmatch(r"[\w-]{5,40}", first):
        return f"https://www.instagram.com/p/{first}/", "Instagram post"
    if is_url:
        labels = {"youtube": "YouTube video", "vimeo": "Vimeo video", "tweet": "Tweet", "twitter": "Tweet",
                  "instagram": "Instagram post", "gist": "Gist"}
        return first, labels.get(name, first)
    return None, ""
