"""Liquid's ``page`` (and ``post``) for a post of a Jekyll site: what its templates and includes may read.

Jekyll's ``page`` is the post's front matter over the defaults that apply to it,
with what Jekyll works out itself on top: ``url`` (the permalink, from the site's
root, without ``baseurl``), ``id``, ``date`` (in the site's timezone),
``categories`` (with the folders above ``_posts/``), ``tags``, ``slug``, ``title``
(the front matter's, else made from the slug), ``path``, ``name``, ``ext`` and
``collection``.  Pure: the same post gives the same variables.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from feeder.posts.jekyll_post import file_name, title_from_slug
from feeder.posts.post import Post


def page_variables(post: Post, timezone: tzinfo) -> dict[str, Any]:
    """The ``page`` variables of *post*, a Jekyll site's post (a ValueError for any other post).

    A new dict each call, so a template that assigns into it changes nothing else.
    """
    fields = post.jekyll
    if fields is None:
        raise ValueError(f"{post.path}: not a post of a Jekyll site (the config has no jekyll: key)")
    _day, _slug, ext = file_name(post.path)
    title = fields.meta.get("title")
    variables = dict(fields.meta)
    variables.update(
        url=fields.page_url,
        id=fields.page_id,
        date=post.date.astimezone(timezone),
        categories=list(post.categories),
        tags=list(post.tags),
        slug=fields.slug,
        title=str(title) if title is not None and not isinstance(title, (dict, list, tuple))
        else title_from_slug(fields.slug),
        path=post.path,
        relative_path=post.path,
        name=post.path.rpartition("/")[2],
        ext=ext,
        collection="posts",
        draft=False,
        excerpt_separator=fields.excerpt_separator,
    )
    if post.excerpt is not None and "excerpt" not in fields.meta:
        variables["description" if "description" in fields.meta else "excerpt"] = post.excerpt
    return variables
