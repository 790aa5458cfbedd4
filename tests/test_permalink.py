"""Jekyll permalinks and ids (feeder/posts/permalink.py), against what Jekyll 4.3.1 + jekyll-feed 0.17 build.

Every expected URL and id below was read from the feed.xml of ``jekyll build`` (Jekyll 4.3.1,
jekyll-feed 0.17.0, Debian's packages) of the same two posts, one site per permalink style, with
``url: https://ex.org``, ``baseurl: /b`` and ``timezone: Asia/Tokyo``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from feeder.config import load_config
from feeder.errors import PostError
from feeder.posts.permalink import absolute_url, document_id, escape_path, sanitize_url, slugify
from feeder.posts.post import parse_post

ONE = ("Big Data/_posts/2024-01-07-Hello, World.md",
       '---\ntitle: One\ncategories: [Edge Case, "C++ & Go"]\ndate: 2024-01-07 23:05:09 +0900\n---\nx\n')
TWO = ("_posts/2023-12-31-二つ目.md", "---\ntitle: Two\nslug: my.Slug\n---\ny\n")
EVERY = ("/:categories/:year/:short_year/:month/:i_month/:short_month/:long_month/:day/:i_day/:y_day/:w_year/"
         ":week/:w_day/:short_day/:long_day/:hour/:minute/:second/:title/:slug/:name:output_ext")
CATS = "https://ex.org/b/big%20data/edge%20case/c++%20&%20go"

# style -> ((post one's URL, id), (post two's URL, id)), as jekyll build wrote them
BUILT = {
    "date": ((f"{CATS}/2024/01/07/Hello,-World.html", f"{CATS}/2024/01/07/Hello,%20World"),
             ("https://ex.org/b/2023/12/31/my.Slug.html", "https://ex.org/b/2023/12/31/my.Slug")),
    "pretty": ((f"{CATS}/2024/01/07/Hello,-World/", f"{CATS}/2024/01/07/Hello,%20World"),
               ("https://ex.org/b/2023/12/31/my.Slug/", "https://ex.org/b/2023/12/31/my.Slug")),
    "ordinal": ((f"{CATS}/2024/007/Hello,-World.html", f"{CATS}/2024/007/Hello,%20World"),
                ("https://ex.org/b/2023/365/my.Slug.html", "https://ex.org/b/2023/365/my.Slug")),
    "weekdate": ((f"{CATS}/2024/W01/Sun/Hello,-World.html", f"{CATS}/2024/W01/Sun/Hello,%20World"),
                 ("https://ex.org/b/2023/W52/Sun/my.Slug.html", "https://ex.org/b/2023/W52/Sun/my.Slug")),
    "none": ((f"{CATS}/Hello,-World.html", f"{CATS}/Hello,%20World"),
             ("https://ex.org/b/my.Slug.html", "https://ex.org/b/my.Slug")),
    EVERY: ((f"{CATS}/2024/24/01/1/Jan/January/07/7/007/2024/01/7/Sun/Sunday/23/05/09/Hello,-World/hello-world/"
             "2024-01-07-hello-world.html",
             f"{CATS}/2024/24/01/1/Jan/January/07/7/007/2024/01/7/Sun/Sunday/23/05/09/Hello,-World/hello-world/"
             "Hello,%20World"),
            ("https://ex.org/b/2023/23/12/12/Dec/December/31/31/365/2023/52/7/Sun/Sunday/00/00/00/my.Slug/my-slug/"
             "2023-12-31-%E4%BA%8C%E3%81%A4%E7%9B%AE.html",
             "https://ex.org/b/2023/23/12/12/Dec/December/31/31/365/2023/52/7/Sun/Sunday/00/00/00/my.Slug/my-slug/"
             "my.Slug")),
    "/blog/:title": (("https://ex.org/b/blog/Hello,-World", "https://ex.org/b/blog/Hello,%20World"),
                     ("https://ex.org/b/blog/my.Slug", "https://ex.org/b/blog/my.Slug")),
    "/:year/:slugified_categories/:title/index.html": (
        ("https://ex.org/b/2024/big-data/edge-case/c-go/Hello,-World/index.html",
         "https://ex.org/b/2024/big-data/edge-case/c-go/Hello,-World/Hello,%20World"),
        ("https://ex.org/b/2023/my.Slug/index.html", "https://ex.org/b/2023/my.Slug/my.Slug")),
}


def _site(tmp_path: Path, permalink: str) -> Path:
    (tmp_path / "_config.yml").write_text(f'url: https://ex.org\nbaseurl: /b\ntimezone: Asia/Tokyo\n'
                                          f'title: T\npermalink: "{permalink}"\n', encoding="utf-8")
    (tmp_path / "config.yaml").write_text("jekyll: .\n", encoding="utf-8")
    return tmp_path / "config.yaml"


@pytest.mark.parametrize("style", list(BUILT))
def test_every_permalink_style_gives_jekylls_url_and_jekyll_feeds_id(tmp_path: Path, style: str) -> None:
    config = load_config(_site(tmp_path, style))
    for (path, text), (url, ident) in zip((ONE, TWO), BUILT[style], strict=True):
        post = parse_post(path, text.encode(), config)
        assert (post.url, post.id) == (url, ident)


def test_a_front_matter_permalink_is_a_template_too(tmp_path: Path) -> None:
    config = load_config(_site(tmp_path, "date"))
    text = "---\ntitle: Z\nslug: Custom Slug\npermalink: /archive/:year/:slug:output_ext\n---\nz\n"
    post = parse_post("_posts/2024-03-14-custom-permalink.md", text.encode(), config)
    # checked against jekyll build: the id keeps the raw slug (Document#id), escaped by absolute_url
    assert post.url == "https://ex.org/b/archive/2024/custom-slug.html"
    assert post.id == "https://ex.org/b/archive/2024/Custom%20Slug"


def test_an_unknown_placeholder_is_the_posts_problem(tmp_path: Path) -> None:
    config = load_config(_site(tmp_path, "date"))
    with pytest.raises(PostError, match=":nope, which Jekyll does not know"):
        parse_post("_posts/2024-01-01-a.md", b"---\npermalink: /:nope/\n---\n", config)


@pytest.mark.parametrize(("text", "default", "pretty", "ascii_", "raw"), [
    # each row as Jekyll 4.3.1's Utils.slugify returned it
    ("The _config.yml file", "the-config-yml-file", "The-_config.yml-file", "the-config-yml-file",
     "the-_config.yml-file"),
    ("  --Hello, World!--  ", "hello-world", "Hello,-World!", "hello-world", "--hello,-world!--"),
    ("Café crème", "café-crème", "Café-crème", "caf-cr-me", "café-crème"),
    ("a.b..c", "a-b-c", "a.b..c", "a-b-c", "a.b..c"),
    ("Ünïcödé ünd Spaß", "ünïcödé-ünd-spaß", "Ünïcödé-ünd-Spaß", "n-c-d-nd-spa", "ünïcödé-ünd-spaß"),
    ("x_y~z(1)", "x-y-z-1", "x_y~z(1)", "x-y-z-1", "x_y~z(1)"),
])
def test_slugify_is_jekylls(text: str, default: str, pretty: str, ascii_: str, raw: str) -> None:
    assert slugify(text) == default
    assert slugify(text, "pretty", cased=True) == pretty
    assert slugify(text, "ascii") == ascii_
    assert slugify(text, "raw") == raw


@pytest.mark.parametrize(("value", "escaped"), [
    # as Jekyll's URL.escape_path (Addressable::URI.encode, then "#" -> %23) wrote them
    ("edge case", "edge%20case"),
    ("日本 語?x y#f g", "%E6%97%A5%E6%9C%AC%20%E8%AA%9E?x%20y%23f%20g"),
    ("100%", "100%25"),
    ("a[b]c", "a%5Bb%5Dc"),
    ("c++: notes", "c++:%20notes"),
    ("#hash", "%23hash"),
    ('a|b"<>^`{}\\', "a%7Cb%22%3C%3E%5E%60%7B%7D%5C"),
    ("plain/path-1.2", "plain/path-1.2"),
])
def test_escape_path_is_jekylls(value: str, escaped: str) -> None:
    assert escape_path(value) == escaped


def test_sanitize_url_and_document_id_follow_jekyll() -> None:
    assert sanitize_url("a//b/../c/./d") == "/a/b/c/d"
    assert document_id("/2023/01/29/my-post.html", "my-post") == "/2023/01/29/my-post"
    assert document_id("/2023/01/29/my-post/", "my-post") == "/2023/01/29/my-post"
    assert document_id("/my-post.html", "my-post") == "/my-post"
    assert document_id("/about/me/", "Foo Bar") == "/about/Foo Bar"


def test_absolute_url_normalizes_as_addressable_does() -> None:
    # as Addressable::URI#normalize wrote them
    assert absolute_url("https://e.org/blog/", "/2023/edge%20case/caf\u00e9 x") == \
        "https://e.org/blog/2023/edge%20case/caf%C3%A9%20x"
    assert absolute_url("https://e.org/blog/", "/a%2fb/%7euser/\u00c4") == "https://e.org/blog/a%2Fb/~user/%C3%84"
