"""``feeder check``'s look at Liquid: each post's syntax errors, and what it uses that only a plugin knows.

A user moving a Jekyll site to feeder should see, before the first publish, the
whole list of what feeder renders differently from their Jekyll with plugins:
each unknown tag, unknown filter, missing include and unresolved link, with the
post file's line.  Those are warnings (the post is published); a Liquid syntax
error is a problem (the post is not), as it is when publishing.
"""

from __future__ import annotations

from collections.abc import Iterable

from feeder.config import Config
from feeder.errors import PostError
from feeder.posts.liquid import Liquid, liquid_site, wanted
from feeder.posts.load import load_one
from feeder.posts.scan import read_post


def check_liquid(config: Config, paths: Iterable[str]) -> tuple[list[PostError], list[PostError]]:
    """(problems, warnings) of the Liquid in the posts at *paths*; nothing for a site that is not Jekyll's.

    A post that cannot be read is skipped: its own problem is reported by whoever found it.
    """
    site = liquid_site(config)
    problems: list[PostError] = []
    warnings: list[PostError] = []
    if site is None:
        return problems, warnings
    engine: Liquid | None = None
    for path in paths:
        try:
            data = read_post(config.posts_dir, path)
            if b"{%" not in data and b"{{" not in data:
                continue  # most posts: one read, no parse
            source = load_one(config, path)
        except PostError:
            continue
        if not wanted(source.post, source.body):
            continue
        engine = engine or Liquid(site)
        try:
            warnings.extend(engine.check(source.post, source.body, source.post.body_line))
        except PostError as exc:
            problems.append(exc)
    return problems, warnings
