"""One post file: front matter read into a Post, or a PostError naming the file and line."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SAMPLE_POST

from feeder.config import Author, load_config
from feeder.errors import PostError
from feeder.posts.post import Post, parse_post

UTC = timezone.utc


def parse(site, name: str, text: str | bytes) -> Post:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_post(name, data, site.config)


def test_sample_post_front_matter(site) -> None:
    post = parse_post(SAMPLE_POST.name, SAMPLE_POST.read_bytes(), site.config)
    assert post.title == "Meta Llama 4、性能向上で何が変わる？"
    assert post.date == datetime(2025, 12, 11, 4, 49, 28, tzinfo=UTC)
    assert post.tags == ("AI", "最新ニュース", "技術動向", "Meta", "投資")
    assert post.categories == ("投資分析",)
    assert post.author == Author("ALLFORCES編集部")
    assert post.excerpt == "**Meta Llama 4、一般公開で性能向上**について詳細に分析します。"
    assert post.reading_time == 8
    assert post.slug == "meta-llama-4"
    # 04:49 UTC is 13:49 in Tokyo, still the 11th; the URL uses the site's day, as Jekyll does
    assert post.url == "https://example.com/blog/2025/12/11/meta-llama-4/"
    assert post.id == post.url
    assert post.draft is False
    assert post.body_line == 11
    assert post.extra == {}  # layout is known (Jekyll's), not extra


def test_every_front_matter_key(site) -> None:
    post = parse(site, "2025-01-02-file-slug.md", """\
---
title: Every key
date: 2025-03-04 05:06:07 +0000
updated: 2025-03-05T00:00:00Z
author: {name: Ann Author, email: ann@example.com}
summary: The *summary*
tags: [a, b, a, 3]
categories: news tech
slug: own-slug
id: tag:example.com,2025:every-key
image: /img/cover.png
reading_time: 4.4
series: Weekly
mood: {score: 3, words: [x, y]}
---
Body
""")
    assert post.title == "Every key"
    assert post.date == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert post.updated == datetime(2025, 3, 5, tzinfo=UTC)
    assert post.author == Author("Ann Author", "ann@example.com")
    assert post.excerpt == "The *summary*"
    assert post.tags == ("a", "b", "3")  # duplicates dropped, order kept, numbers as text
    assert post.categories == ("news", "tech")
    assert post.slug == "own-slug"
    assert post.url == "https://example.com/blog/2025/03/04/own-slug/"
    assert post.id == "tag:example.com,2025:every-key"
    assert post.image == "https://example.com/img/cover.png"  # resolved as a browser would
    assert post.reading_time == 4
    assert post.extra == {"mood": {"score": 3, "words": ["x", "y"]}, "series": "Weekly"}


@pytest.mark.parametrize("key", ["excerpt", "summary", "description"])
def test_excerpt_keys(site, key: str) -> None:
    post = parse(site, "2025-01-02-a.md", f"---\n{key}: From {key}\n---\nBody\n")
    assert post.excerpt == f"From {key}"


def test_last_modified_at_and_updated_equal_to_date(site) -> None:
    post = parse(site, "2025-01-02-a.md", "---\ndate: 2025-01-02 10:00 +0900\nlast_modified_at: 2025-01-03\n---\n")
    assert post.updated == datetime(2025, 1, 2, 15, tzinfo=UTC)  # midnight Tokyo
    same = parse(site, "2025-01-02-a.md", "---\ndate: 2025-01-02T01:00:00Z\nupdated: 2025-01-02 10:00 +0900\n---\n")
    assert same.updated is None  # not an update at all


def test_file_name_gives_slug_date_and_title(site) -> None:
    post = parse(site, "2025/2025-06-07-hello-world.markdown", "---\nlayout: post\n---\nHi\n")
    assert post.slug == "hello-world"
    assert post.date == datetime(2025, 6, 7, tzinfo=site.config.site.timezone)
    assert post.title == "Hello World"
    assert post.path == "2025/2025-06-07-hello-world.markdown"


@pytest.mark.parametrize("value, expected", [
    ("[AI, 投資]", ("AI", "投資")),
    ("AI 投資  Meta", ("AI", "投資", "Meta")),  # Jekyll: a space-separated string
    ("'single'", ("single",)),
    ("\n  - x\n  - y", ("x", "y")),
    ("[]", ()),
])
def test_tags_and_categories_as_list_or_string(site, value: str, expected: tuple) -> None:
    post = parse(site, "2025-01-02-a.md", f"---\ntags: {value}\ncategories: {value}\n---\n")
    assert post.tags == expected and post.categories == expected


@pytest.mark.parametrize("front, draft", [
    ("draft: true", True), ("published: false", True), ("draft: false", False), ("published: true", False), ("", False),
])
def test_draft_and_published(site, front: str, draft: bool) -> None:
    assert parse(site, "2025-01-02-a.md", f"---\n{front}\n---\n").draft is draft


@pytest.mark.parametrize("pattern, expected", [
    ("/:year/:month/:day/:slug/", "/2025/01/02/my-post/"),
    ("/:categories/:year/:i_month/:i_day/:title.html", "/data-science/news/2025/1/2/my-post.html"),
    ("/:short_year/:y_day/:hour:minute:second/:slug", "/25/002/030405/my-post"),
    ("pretty", "/data-science/news/2025/01/02/my-post/"),
])
def test_permalink_placeholders(site, pattern: str, expected: str) -> None:
    site.write_config(f"permalink: {pattern!r}\n")
    post = parse(site, "2025-01-02-my-post.md",
                 "---\ndate: 2025-01-02 03:04:05 +0900\ncategories: [Data Science, news]\n---\n")
    assert post.url == "https://example.com/blog" + expected


def test_permalink_date_is_the_site_timezone_day(site) -> None:
    post = parse(site, "x.md", "---\ndate: 2025-12-31T20:00:00Z\nslug: new-year\n---\n")
    assert post.url == "https://example.com/blog/2026/01/01/new-year/"  # 05:00 on Jan 1 in Tokyo


def test_post_permalink_wins_and_non_ascii_is_percent_encoded(site) -> None:
    post = parse(site, "2025-01-02-a.md", "---\npermalink: /notes/pandas-vs-polars/\n---\n")
    assert post.url == "https://example.com/blog/notes/pandas-vs-polars/"
    japanese = parse(site, "2025-01-02-日本語.md", "---\ntitle: x\n---\n")
    assert japanese.url == "https://example.com/blog/2025/01/02/%E6%97%A5%E6%9C%AC%E8%AA%9E/"


@pytest.mark.parametrize("front, expected", [
    ("id: post-42", "post-42"),
    ("guid: urn:uuid:0b7d6c1e-4a7a-4c7e-9a43-3f1f1e2b7a10", "urn:uuid:0b7d6c1e-4a7a-4c7e-9a43-3f1f1e2b7a10"),
    ("id: 42\nguid: other", "42"),
    ("", "https://example.com/blog/2025/01/02/a/"),
])
def test_id_or_guid_wins_over_the_url(site, front: str, expected: str) -> None:
    assert parse(site, "2025-01-02-a.md", f"---\n{front}\n---\n").id == expected


def test_raw_html_and_cdata_end_in_front_matter_are_kept_as_text(site) -> None:
    post = parse(site, "2025-01-02-a.md", "---\ntitle: \"A ]]> & <b>bold</b>\"\n---\n<div>raw</div>\n")
    assert post.title == "A ]]> & <b>bold</b>"


def test_control_characters_are_dropped_not_fatal(site) -> None:
    post = parse(site, "2025-01-02-a.md", b"---\ntitle: \"Bell\x07 and\x1b escape\"\ntags: [a\x00b]\n---\nx\x0b\n")
    assert post.title == "Bell and escape"
    assert post.tags == ("ab",)


def test_bom_and_crlf(site) -> None:
    post = parse(site, "2025-01-02-a.md",
                 "\ufeff---\r\ntitle: CRLF\r\ndate: 2025-01-02 10:00\r\n---\r\nBody\r\n".encode())
    assert post.title == "CRLF"
    assert post.date == datetime(2025, 1, 2, 1, tzinfo=UTC)


BAD = [
    # (name, bytes, line or None, words the message must contain)
    ("invalid-yaml", b"---\ntitle: ok\ntags: [a, b\ndate: 2025-01-01\n---\n", 4, "invalid YAML"),
    ("yaml-tab", b"---\ntitle: ok\n\tdate: 2025-01-01\n---\n", 3, "invalid YAML"),
    ("no-front-matter", b"# Just Markdown\n\nNo front matter.\n", 1, "no front matter"),
    ("unclosed", b"---\ntitle: x\n", 1, "never closed"),
    ("bad-date", b"---\ntitle: x\ndate: next tuesday\n---\n", 3, "cannot read 'next tuesday'"),
    ("impossible-date", b"---\ntitle: x\ndate: 2025-02-30\n---\n", 3, "day is out of range"),
    ("impossible-updated", b"---\ntitle: x\ndate: 2025-02-03\nupdated: 2025-02-03 25:00:00\n---\n", 4, "invalid date"),
    ("not-utf8", "---\ntitle: café\n---\n".encode("latin-1"), 2, "not valid UTF-8"),
    ("c1-control", "---\ntitle: x\nnote: a\x85\x81b\n---\n".encode(), 3, "U+0081"),
    ("empty", b"", None, "empty file"),
    ("blank", b"\n  \n", None, "empty file"),
    ("list", b"---\n- a\n- b\n---\n", 2, "mapping"),
    ("bad-draft", b"---\ndraft: maybe\n---\n", 2, "draft: must be true or false"),
    ("bad-tags", b"---\ntags: {a: 1}\n---\n", 2, "tags: must be a list"),
    ("bad-tag-entry", b"---\ntitle: x\ncategories: [[a]]\n---\n", 3, "categories: each entry"),
    ("bad-author", b"---\nauthor: [a]\n---\n", 2, "author"),
    ("bad-author-email", b"---\nauthor: {name: A, email: nope}\n---\n", 2, "email"),
    ("bad-image", b"---\nimage: javascript:alert(1)\n---\n", 2, "image"),
    ("bad-reading-time", b"---\ntitle: x\nreading_time: soon\n---\n", 3, "reading_time"),
    ("bad-excerpt", b"---\nexcerpt: [a]\n---\n", 2, "excerpt: must be text"),
    ("absolute-permalink", b"---\npermalink: https://other.example.com/x/\n---\n", 2, "permalink: must be a path"),
]


@pytest.mark.parametrize("name, data, line, words", BAD, ids=[b[0] for b in BAD])
def test_bad_post_raises_post_error_with_file_and_line(site, name: str, data: bytes, line, words: str) -> None:
    path = f"2025-01-02-{name}.md"
    with pytest.raises(PostError) as caught:
        parse_post(path, data, site.config)
    error = caught.value
    assert error.path == path
    assert error.line == line
    assert words in error.message
    assert str(error).startswith(f"{path}:{line}: " if line else f"{path}: ")
    assert "\n" not in str(error)


def test_no_date_anywhere(site) -> None:
    with pytest.raises(PostError, match=r"^about\.md:1: no date"):
        parse(site, "about.md", "---\ntitle: About\n---\n")


def test_bad_file_name_date(site) -> None:
    with pytest.raises(PostError, match="file name date"):
        parse(site, "2025-13-45-x.md", "---\ntitle: x\n---\n")


# ---- the same inputs through `feeder publish`: reported, and nothing else lost ----

SITE_BAD = {
    **{f"2025-01-02-{b[0]}.md": (b[1], b[2], b[3]) for b in BAD},
    "about.md": (b"---\ntitle: About\n---\nNo date.\n", 1, "no date"),
    # a shared URL or id: both posts withheld, both reported (neither may take it from the other)
    "2025-01-05-dup-a.md": (b"---\npermalink: /same/\n---\nA\n", None, "same permalink as 2025-01-06-dup-b.md"),
    "2025-01-06-dup-b.md": (b"---\npermalink: /same/\n---\nB\n", None, "same permalink as 2025-01-05-dup-a.md"),
    "2025-01-07-id-a.md": (b"---\nid: shared-id\n---\nA\n", None, "same id as 2025-01-08-id-b.md"),
    "2025-01-08-id-b.md": (b"---\nid: shared-id\n---\nB\n", None, "same id as 2025-01-07-id-a.md"),
}


def test_publish_reports_every_bad_post_and_publishes_the_rest(site, cli, read_feed) -> None:
    good = {
        "2025-02-01-bom.md": "\ufeff---\r\ntitle: BOM and CRLF\r\n---\r\nLine one\r\n\r\nLine two\r\n".encode(),
        "2025-02-02-control.md": b"---\ntitle: \"Control\x01 chars\"\n---\nText\x08 here\n",
        "2025-02-03-cdata.md": b"---\ntitle: \"Ends ]]> here\"\n---\nText with ]]> and <b>raw</b> <div>html</div>\n",
        "2025-02-04-string-tags.md": b"---\ntitle: String tags\ntags: one two\n---\nx\n",
        "2025-02-05-empty-front.md": b"---\n---\nNo keys at all.\n",
    }
    for name, data in {**{k: v[0] for k, v in SITE_BAD.items()}, **good}.items():
        site.post(name, raw=data)
    site.write_config("feeds:\n  max_items: 100\n")
    result = cli("publish", "--config", site.root / "config.yaml", "--now", "2025-12-20T00:00:00Z")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    for name, (_data, line, words) in SITE_BAD.items():
        if words is None:
            continue
        where = str(site.posts / name) + (f":{line}" if line else "")
        assert any(entry.startswith(where + ": ") and words in entry for entry in lines), (name, lines)
    problems = [entry for entry in lines if entry.startswith(str(site.posts))]
    assert len(problems) == len([v for v in SITE_BAD.values() if v[2]])
    rss = read_feed(site.root / "public" / "feed.xml")
    atom = read_feed(site.root / "public" / "atom.xml")
    for feed in (rss, atom):
        titles = {e.title for e in feed.entries}
        assert {"BOM and CRLF", "Control chars", "Ends ]]> here", "String tags", "Empty Front"} == titles
    tagged = next(e for e in rss.entries if e.title == "String tags")
    assert [t.term for t in tagged.tags] == ["one", "two"]
    cdata = next(e for e in atom.entries if e.title == "Ends ]]> here")
    assert "Text with ]]&gt; and <b>raw</b>" in cdata.content[0].value


def test_very_large_post_is_published(site, cli, read_feed) -> None:
    paragraph = ("Large post text with enough words to count. " * 1000 + "\n\n").encode()
    body = paragraph * 115
    assert len(body) > 5_000_000
    site.post("2025-01-01-large.md", raw=b"---\ntitle: Large\n---\n" + body)
    site.post("2025-01-02-small.md", "title: Small")
    result = cli("publish", "--config", site.root / "config.yaml", "--now", "2025-12-20T00:00:00Z")
    assert result.exit_code == 0, result.output
    feed = read_feed(site.root / "public" / "atom.xml")
    assert [e.title for e in feed.entries] == ["Small", "Large"]
    large = feed.entries[1]
    assert len(large.content[0].value) > 5_000_000
    assert len(large.summary) < 400  # the excerpt is cut


# ---- enclosure / audio / video -------------------------------------------------------------------------

def test_enclosure_forms(site) -> None:
    full = parse(site, "2025-01-01-a.md", "---\nenclosure: {url: ep.mp3, length: 10, type: audio/x-m4a}\n---\n")
    assert (full.enclosure.url, full.enclosure.length, full.enclosure.type) == \
        ("https://example.com/blog/2025/01/01/a/ep.mp3", 10, "audio/x-m4a")
    audio = parse(site, "2025-01-01-b.md", "---\naudio: https://cdn.example.com/a.MP3?x=1\n---\n")
    assert (audio.enclosure.length, audio.enclosure.type) == (0, "audio/mpeg")
    video = parse(site, "2025-01-01-c.md", "---\nvideo: /v/clip.mp4\n---\n")
    assert video.enclosure.type == "video/mp4"
    assert parse(site, "2025-01-01-d.md", "---\ntitle: none\n---\n").enclosure is None


@pytest.mark.parametrize("front, phrase", [
    ("enclosure: {length: 3}", "enclosure: must be a URL or a mapping with url"),
    ("enclosure: {url: a.mp3, size: 3}", "enclosure: unknown key 'size'"),
    ("audio: a.unknownext", "audio: cannot tell the media type"),
    ("enclosure: {url: a.mp3, length: -1}", "length must be a whole number of bytes"),
    ("enclosure: {url: a.mp3, type: 'audio mpeg'}", "type must be a media type"),
    ("video: 'javascript:alert(1)'", "video: url must be a path or an http(s) URL"),
])
def test_bad_enclosures_name_the_key_and_line(site, front: str, phrase: str) -> None:
    with pytest.raises(PostError, match=re.escape(phrase)) as caught:
        parse(site, "2025-01-01-a.md", f"---\ntitle: t\n{front}\n---\n")
    assert caught.value.line == 3


@pytest.mark.parametrize("name, front, phrase", [
    ("2025-12-09-a.md", "reading_time: .nan", "reading_time: must be a number of minutes"),
    ("2025-12-09-a.md", "reading_time: .inf", "reading_time: must be a number of minutes"),
    ("a.md", "date: 0001-01-01", "out of range"),  # midnight in Tokyo is still year 0 in UTC
    ("a.md", "date: 9999-12-31 23:00:00 -0500", "out of range"),
    ("0001-01-01-a.md", "title: t", "file name date"),
    ("2025-12-09-a.md", "a: &x [*x]", "the alias *x refers to the value that holds it"),
    ("2025-12-09-a.md", "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]",
     "stands for over 10,000 values"),  # "billion laughs": 11,111 values from four lines
])
def test_values_that_used_to_crash_the_whole_run_are_errors_of_one_post(site, name, front, phrase) -> None:
    with pytest.raises(PostError, match=re.escape(phrase)):
        parse(site, name, f"---\n{front}\n---\nbody\n")


def test_an_updated_date_before_the_post_date_is_ignored(site) -> None:
    post = parse(site, "2025-12-09-a.md", "---\ndate: 2025-12-09 12:00:00Z\nupdated: 2025-12-01\n---\n")
    assert post.updated is None  # else the feed's date would be older than its newest post
    later = parse(site, "2025-12-09-a.md", "---\ndate: 2025-12-09 12:00:00Z\nupdated: 2025-12-10\n---\n")
    assert later.updated is not None and later.updated > later.date


def test_a_percent_sign_in_a_slug_or_image_is_encoded_once(site) -> None:
    post = parse(site, "2025-12-09-100%-gain.md", "---\nimage: /img/50%25 off.png\n---\n")
    assert post.url == "https://example.com/blog/2025/12/09/100%25-gain/"
    assert post.image == "https://example.com/img/50%25%20off.png"  # the existing %25 is kept as it was


@pytest.mark.parametrize("email", ["ann@example", "Ann <ann@example.com>", "ann@example.com\\u2028",
                                   "[ann@example.com]"])
def test_author_email_follows_the_one_address_rule(site, email: str) -> None:
    with pytest.raises(PostError, match="author: email") as caught:
        parse_post("2025-01-02-a.md", f'---\nauthor: {{name: A, email: "{email}"}}\n---\n'.encode(), site.config)
    assert caught.value.line == 2


@pytest.mark.parametrize("image, expected", [
    ("cover.png", "https://example.com/blog/2025/01/01/a/cover.png"),  # relative: resolved against the post
    ("/img/cover.png", "https://example.com/img/cover.png"),
    ("//cdn.example.org/c.png", "https://cdn.example.org/c.png"),  # scheme-relative: the site's scheme
    ("HTTP://Example.org/c.png", "HTTP://Example.org/c.png"),
    (" https://example.org/c d.png ", "https://example.org/c%20d.png"),
])
def test_image_paths_and_http_urls_are_kept(site, image: str, expected: str) -> None:
    assert parse(site, "2025-01-01-a.md", f"---\nimage: '{image}'\n---\n").image == expected


@pytest.mark.parametrize("image", [
    'vbscript:msgbox("owned")', "file:///etc/passwd", "javascript:alert(1)", " JaVaScRiPt:alert(1)",
    "data:image/svg+xml;base64,PHN2Zz4=", "ftp://example.org/c.png", "http:cover.png",
    "mailto:a@example.com",
])
def test_image_urls_other_than_http_are_refused_with_the_line(site, image: str) -> None:
    """Issue 14, row 12: these reached media:thumbnail, JSON Feed's image and the digest's <img src>."""
    with pytest.raises(PostError) as caught:
        parse(site, "2025-01-01-a.md", f"---\ntitle: t\nimage: '{image}'\n---\n")
    assert caught.value.line == 3
    assert caught.value.message == f"image: must be an image path or an http(s) URL, got {image!r}"


HOSTILE_URLS = Path(__file__).parent / "hostile" / "url-schemes"


def test_posts_with_other_url_schemes_are_left_out_of_feeds_and_digest(site, cli, read_feed) -> None:
    site.write_config("feeds:\n  json: feed.json\n"
                      "digest:\n  from: Test <digest@example.com>\n  unsubscribe_url: https://example.com/u?e={email}\n")
    site.post("2025-12-08-good.md", "title: Good\ndate: 2025-12-08 09:00:00 +0000\nimage: cover.png")
    for hostile in sorted(HOSTILE_URLS.iterdir()):
        site.post(hostile.name, raw=hostile.read_bytes())
    config, now = site.root / "config.yaml", "2025-12-20T00:00:00Z"
    result = cli("publish", "--config", config, "--now", now)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{site.posts / '2025-12-08-vbscript-image.md'}:4: image: must be an image path or an http(s) URL, "
        """got 'vbscript:msgbox("owned")'""",
        f"{site.posts / '2025-12-09-file-image.md'}:4: image: must be an image path or an http(s) URL, "
        "got 'file:///etc/passwd'",
        f"{site.posts / '2025-12-10-javascript-enclosure.md'}:4: enclosure: url must be a path or an http(s) URL, "
        "got 'javascript:alert(document.cookie)'",
    ]
    digest = cli("digest", "--config", config, "--now", now, "--week", "2025-W50", "--out", site.root / "digest")
    assert digest.exit_code == 1 and "digest 2025-W50: 1 post," in digest.output
    outputs = [*(site.root / "public").glob("feed.*"), site.root / "public" / "atom.xml",
               *(site.root / "digest").iterdir()]
    for output in outputs:
        text = output.read_text(encoding="utf-8")
        if output.suffix == ".eml":  # the bodies as a reader gets them (transfer-encoded lines are split)
            message = email.message_from_bytes(output.read_bytes(), policy=email.policy.default)
            text = "".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
        assert "https://example.com/blog/2025/12/08/good/cover.png" in text or output.suffix == ".txt", output
        assert not any(scheme in text for scheme in ("vbscript:", "file:", "javascript:")), output
    assert [e.title for e in read_feed(site.root / "public" / "feed.xml").entries] == ["Good"]


def test_a_jekyll_sites_post_is_published_with_warnings_jekyll_would_shrug_at(jekyll_site: Path) -> None:
    config = load_config(jekyll_site / "config.yaml")
    text = (b"---\ntitle: \"It's a -- test...\"\ndate: 2024-03-05 18:30:22 2024 -0800\npublished: ruby\n"
            b"category: Site News\ntags: a b\n---\nBody\n")
    post = parse_post("_posts/2024-03-05-x.md", text, config)
    assert post.title == "It\u2019s a \u2013 test\u2026"  # as jekyll-feed writes it
    assert post.draft is False and post.categories == ("Site News",) and post.tags == ("a", "b")
    assert post.url == "https://blog.example.net/notes/site%20news/2024/03/05/x/"
    assert post.id == "https://blog.example.net/notes/site%20news/2024/03/05/x"
    assert [w.split(":")[0] for w in post.warnings] == ["line 3", "line 4"]
    assert parse_post("_posts/2024-03-05-x.md", b"---\npublished: false\n---\n", config).draft is True
    assert parse_post("_posts/2024-03-05-x.md", b"---\npublished:\n---\n", config).draft is True


def test_a_jekyll_post_without_a_date_in_its_name_or_front_matter_is_invalid(jekyll_site: Path) -> None:
    config = load_config(jekyll_site / "config.yaml")
    with pytest.raises(PostError, match=r"name the file YYYY-MM-DD-slug\.md"):
        parse_post("_posts/undated.md", b"---\ntitle: x\n---\n", config)
