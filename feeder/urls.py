"""Percent-encoding for URLs built from what authors type (slugs, image paths, enclosure URLs)."""

from __future__ import annotations

import re
from urllib.parse import quote

_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PATH_SAFE = "/:@-._~!$&'()*+,;=%"


def quote_url(text: str, *, query: bool = False) -> str:
    """*text* with what a URL may not hold percent-encoded, once.

    An existing ``%E6`` escape is kept, but a lone ``%`` (``100%-gain``) becomes
    ``%25``: left alone it would make the URL invalid.  With *query*, ``?`` and
    ``#`` keep their meaning.
    """
    return quote(_STRAY_PERCENT.sub("%25", text), safe=_PATH_SAFE + ("?#" if query else ""))
