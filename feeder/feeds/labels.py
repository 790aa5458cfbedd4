"""Tags and categories as feeds: when two spellings are one label, and where its feed lives.

A label's *key* is its NFKC form, case-folded, so ``AI``, ``ai`` and ``ＡＩ`` are
one tag.  Its *name* (shown in titles) is the spelling most posts use, ties
broken by code-point order, so it is the same on every run.

Its *folder* on disk is the key with every character that is not a Unicode
letter, mark or digit, ``-``, ``_`` or a non-leading ``.`` written as ``~XX``
(the UTF-8 bytes in upper-case hex): ``投資`` stays ``投資``, ``c++`` becomes
``c~2B~2B``, ``a/b`` becomes ``a~2Fb``, ``.net`` becomes ``~2Enet``.  ``~`` itself
is always escaped, so the rule is reversible and two keys never share a folder
(the one exception, ``index.json`` becoming ``index~2Ejson``, keeps that: it is
how its dot would be escaped, and no other key produces it).
The URL is that folder percent-encoded (RFC 3986), which every web server maps
back to the same file name.  Why not plain percent-encoding of the key: a ``/``
would have to travel as ``%2F``, which Apache answers with 404 unless
``AllowEncodedSlashes`` is on and nginx decodes into a real folder separator; and
S3 website hosting reads ``+`` in a path as a space.  ``~`` is unreserved in
RFC 3986, so no server or proxy rewrites it.  Very long keys are cut and given
a hash suffix (``~~`` + 16 hex digits) to stay under file-name limits.

A post counts with its first ``feeds.max_labels_per_post`` tags, and as many
categories (:func:`kept`): every label costs a feed file per format, so one post
with a thousand tags made three thousand files, each listing that post with its
thousand categories.  The rest are left out of label feeds and of the entries'
categories alike, so every category a reader sees has its feed, and
:func:`over_the_cap` warns about each such post with the line to fix.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from feeder.config import Config
from feeder.errors import PostError
from feeder.posts.row import Row
from feeder.posts.scan import read_post
from feeder.posts.source import read_front_matter

_KEPT_PUNCTUATION = "-_."
INDEX = "index.json"  # the file listing every label, next to their folders
_MAX_BYTES = 180  # file names are limited to 255 bytes; leave room for the hash suffix


@dataclass(frozen=True)
class Label:
    """One tag (or category) with every published post that carries it, newest first."""

    key: str
    name: str
    folder: str  # the file-system name under the tags/ (or categories/) folder
    rows: tuple[Row, ...]

    @property
    def url_path(self) -> str:
        """The folder as it appears in a URL: percent-encoded UTF-8."""
        return quote(self.folder, safe="-._~")


@lru_cache(maxsize=65536)
def label_key(spelling: str) -> str:
    """Case and compatibility forms folded: the identity of a tag."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", spelling).casefold()).strip()


@lru_cache(maxsize=65536)
def folder_name(key: str) -> str:
    """The reversible, collision-free file name for *key* (see the module docstring)."""
    out: list[str] = []
    for index, char in enumerate(key):
        kept = (char in _KEPT_PUNCTUATION and not (char == "." and index == 0)) or \
            unicodedata.category(char)[0] in "LMN"
        out.append(char if kept else "".join(f"~{b:02X}" for b in char.encode("utf-8")))
    name = "".join(out)
    if name == INDEX:  # a tag named "index.json" must not become a folder where the index file goes
        name = name.replace(".", "~2E")
    if len(name.encode("utf-8")) > _MAX_BYTES:
        cut = name.encode("utf-8")[:_MAX_BYTES].decode("utf-8", "ignore")
        cut = cut[: cut.rfind("~")] if "~" in cut[-2:] else cut  # never end inside an escape
        name = f"{cut}~~{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"
    return name


def kept(labels: tuple[str, ...], config: Config) -> tuple[str, ...]:
    """The labels of one post that count: the first ``feeds.max_labels_per_post`` (see the module docstring)."""
    return labels[: config.feeds.max_labels_per_post]


def over_the_cap(config: Config, rows: list[Row]) -> list[PostError]:
    """A warning (as a located message) for each post with more tags or categories than count.

    Reads the front matter of those posts only, for the line of the key.
    """
    limit, found = config.feeds.max_labels_per_post, []
    for row in rows:
        for field in ("tags", "categories"):
            count = len(getattr(row, field))
            if count > limit:
                found.append(PostError(row.path, f"{field}: {count:,} of them, over feeds.max_labels_per_post "
                                       f"({limit}): only the first {limit} get feeds and are listed in entries",
                                       _line(config, row.path, field)))
    return found


def _line(config: Config, path: str, key: str) -> int | None:
    try:
        front, _body_line = read_front_matter(path, read_post(config.posts_dir, path))
    except PostError:  # changed since it was scanned: the warning goes without a line
        return None
    match = re.search(rf"^{key}\s*:", front, re.MULTILINE)
    return front.count("\n", 0, match.start()) + 2 if match else None


def select(rows: list[Row], field: str, limit: int) -> list[Label]:
    """Every label of *field* ("tags" or "categories") among *rows* (newest first), sorted by key.

    Each row counts with its first *limit* labels (see :func:`kept`).  Runs over
    every published post on every publish with tags on, so it stays plain: a
    local spelling-to-key table and dicts, no per-item objects.
    """
    posts: dict[str, list[Row]] = {}
    spellings: dict[str, dict[str, int]] = {}
    keys: dict[str, str] = {}
    for row in rows:
        seen: set[str] = set()
        for spelling in getattr(row, field)[:limit]:
            key = keys.get(spelling)
            if key is None:
                key = keys[spelling] = label_key(spelling)
            if not key:
                continue
            counts = spellings.get(key)
            if counts is None:
                counts = spellings[key] = {}
                posts[key] = []
            counts[spelling] = counts.get(spelling, 0) + 1
            if key not in seen:  # "AI" and "ai" on one post list it once
                seen.add(key)
                posts[key].append(row)
    labels = []
    for key in sorted(posts):
        name = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]
        labels.append(Label(key, name, folder_name(key), tuple(posts[key])))
    return labels
