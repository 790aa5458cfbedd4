"""The posts an output needs, read from their files: each file read once, its front matter parsed once.

Rows (see :mod:`feeder.posts.row`) carry what choosing posts needs; building a
feed entry or a digest item needs the whole post and its Markdown.  Those come
from the file again (the file is the truth, not the cache), in one read that
gives the post, its body and the digest of its bytes that keys the
rendered-HTML cache.  A file that changed into something unusable since it was
scanned is a problem for its caller to report, never an exception.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from feeder.config import Config
from feeder.errors import PostError
from feeder.posts.post import Post, parse_post
from feeder.posts.row import Signature
from feeder.posts.scan import read_if_unchanged, read_post
from feeder.posts.source import split_front_matter


@dataclass(frozen=True)
class Source:
    """A post with what rendering it needs."""

    post: Post
    body: str  # the Markdown after the front matter
    digest: bytes  # of the file's bytes: rendered HTML is kept under it


def load(config: Config, paths: Iterable[str]) -> tuple[list[Source], list[PostError]]:
    """The sources of *paths* in order, and a problem for each file that can no longer be used."""
    sources: list[Source] = []
    problems: list[PostError] = []
    for path in paths:
        try:
            sources.append(load_one(config, path))
        except PostError as exc:
            problems.append(exc)
    return sources, problems


def load_one(config: Config, path: str) -> Source:
    """One post file, read and parsed; a :class:`PostError` when it cannot be used."""
    data = read_post(config.posts_dir, path)
    post = parse_post(path, data, config)
    _front, body, _line = split_front_matter(path, data)
    return Source(post, body, _digest(data))


def load_parsed(config: Config, post: Post, signature: Signature) -> Source | None:
    """*post*, as this run's collection parsed it, with its body: no second parse of its front matter.

    None when the file is no longer the one the scan saw (*signature*): the
    caller loads it afresh (see :func:`load_one`), so a post is never paired
    with another version's body.
    """
    data = read_if_unchanged(config.posts_dir, post.path, signature)
    if data is None:
        return None
    try:
        _front, body, _line = split_front_matter(post.path, data)
    except PostError:
        return None
    return Source(post, body, _digest(data))


def reload(config: Config, post: Post, digest: bytes) -> Source:
    """*post* with its body read again from its file, whose bytes must still hash to *digest*.

    For a caller that dropped the body to save memory: the front matter is
    not parsed again (the post is what it was), so this costs a read and a
    split, not a YAML parse.  A file changed in between is a :class:`PostError`.
    """
    data = read_post(config.posts_dir, post.path)
    if _digest(data) != digest:
        raise PostError(post.path, "changed while this publish ran; the next run publishes it")
    _front, body, _line = split_front_matter(post.path, data)
    return Source(post, body, digest)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()
