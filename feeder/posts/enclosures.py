"""Media attached to a post (a podcast episode, a video, a PDF): front matter in, one :class:`Enclosure` out.

``enclosure: {url, length, type}`` wins, then ``audio: URL``, then ``video: URL``:
RSS allows one enclosure per item, so a post has at most one.  ``length`` is in
bytes and 0 when unknown (the RSS Best Practices Profile's convention; RSS
requires the attribute).  A missing ``type`` is taken from a fixed table of
extensions, not the system's mime.types, which differs between machines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from feeder.brief import brief
from feeder.errors import PostError
from feeder.urls import web_url

# Media types by file extension, for enclosures given without a type (a fixed table: the
# system's mime.types differs between machines, and output must not).
_MEDIA_TYPES = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac", "ogg": "audio/ogg", "oga": "audio/ogg",
                "opus": "audio/ogg", "wav": "audio/wav", "flac": "audio/flac", "mp4": "video/mp4", "m4v": "video/mp4",
                "webm": "video/webm", "mov": "video/quicktime", "ogv": "video/ogg", "pdf": "application/pdf",
                "epub": "application/epub+zip", "zip": "application/zip"}
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A media file attached to a post (a podcast episode, a video): RSS <enclosure>, Atom rel=enclosure."""

    url: str  # absolute
    length: int  # bytes; 0 when unknown (the RSS Best Practices Profile's convention)
    type: str  # media type, e.g. audio/mpeg


def enclosure(meta: dict[str, Any], url: str, fail: Callable[[str, str], PostError]) -> Enclosure | None:
    """``enclosure: {url, length, type}``, else ``audio: URL``, else ``video: URL`` (one per post, as RSS allows)."""
    key = next((k for k in ("enclosure", "audio", "video") if meta.get(k) is not None), None)
    if key is None:
        return None
    value = meta[key]
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict) or not isinstance(value.get("url"), str) or not value["url"].strip():
        raise fail(key, f"must be a URL or a mapping with url (and length, type), got {brief(value)}")
    unknown = sorted(str(k) for k in value if k not in ("url", "length", "type"))
    if unknown:
        raise fail(key, f"unknown key {brief(unknown[0])}; an enclosure has url, length and type")
    href = web_url(value["url"], url)
    if href is None:
        raise fail(key, f"url must be a path or an http(s) URL, got {brief(value['url'])}")
    length = value.get("length", 0)
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise fail(key, f"length must be a whole number of bytes, got {brief(length)}")
    kind = value.get("type")
    if kind is None:
        extension = href.split("?")[0].split("#")[0].rpartition("/")[2].rpartition(".")[2].lower()
        kind = _MEDIA_TYPES.get(extension)
        if kind is None:
            raise fail(key, f"cannot tell the media type of {brief(href)}; "
                            "use enclosure: {url: ..., type: audio/mpeg}")
    if not isinstance(kind, str) or not _MEDIA_TYPE.match(kind):
        raise fail(key, f"type must be a media type such as audio/mpeg, got {brief(kind)}")
    return Enclosure(href, length, kind)
