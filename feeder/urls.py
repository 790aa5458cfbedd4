"""URLs built from what authors type (slugs, image paths, enclosure URLs): percent-encoded, and only http(s)."""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PATH_SAFE = "/:@-._~!$&'()*+,;=%"


def quote_url(text: str, *, query: bool = False) -> str:
    """*text* with what a URL may not hold percent-encoded, once.

    An existing ``%E6`` escape is kept, but a lone ``%`` (``100%-gain``) becomes
    ``%25``: left alone it would make the URL invalid.  With *query*, ``?`` and
    ``#`` keep their meaning.
    """
    return quote(_STRAY_PERCENT.sub("%25", text), safe=_PATH_SAFE + ("?#" if query else ""))


def web_url(text: str, base: str) -> str | None:
    """*text* (a path, or a URL an author typed) made absolute against *base*; None unless it is http(s).

    Front matter URLs reach feed readers and mail clients as they are
    (``media:thumbnail``, an enclosure, the digest's ``<img src>``): ``file:``,
    ``data:``, ``javascript:`` or ``vbscript:`` there would point a reader at a
    local file or run a script, so only http and https URLs with a host pass.
    """
    url = urljoin(base, quote_url(text.strip(), query=True))
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None
