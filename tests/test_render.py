"""Markdown to safe HTML: sanitized, absolute URLs, XML-clean; excerpts and reading time."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest
from conftest import SAMPLE_POST

from feeder.errors import PostError
from feeder.pool import WorkerPool
from feeder.posts.load import load_one
from feeder.posts.plaintext import visible_text as plain_text
from feeder.posts.render import Renderer, _first_paragraph, reading_minutes, sanitize

BASE = "https://example.com/blog/2025/01/02/post/"


@pytest.mark.parametrize("source, expected", [
    ('<a href="../other/">x</a>', 'href="https://example.com/blog/2025/01/02/other/"'),
    ('<a href="/about/">x</a>', 'href="https://example.com/about/"'),
    ('<a href="sibling.html#top">x</a>', 'href="https://example.com/blog/2025/01/02/post/sibling.html#top"'),
    ('<a href="https://other.example.org/a?b=1&amp;c=2">x</a>', 'href="https://other.example.org/a?b=1&amp;c=2"'),
    ('<a href="//cdn.example.org/x">x</a>', 'href="https://cdn.example.org/x"'),
    ('<a href="mailto:a@example.com">x</a>', 'href="mailto:a@example.com"'),
    ('<img src="pic.png" alt="p">', 'src="https://example.com/blog/2025/01/02/post/pic.png"'),
    ('<img src="a.png" srcset="a.png 1x, /b.png 2x">',
     'srcset="https://example.com/blog/2025/01/02/post/a.png 1x, https://example.com/b.png 2x"'),
    ('<picture><source srcset="s.webp 640w" type="image/webp"></picture>',
     'srcset="https://example.com/blog/2025/01/02/post/s.webp 640w"'),
    ('<video src="v.mp4" poster="p.jpg"></video>', 'poster="https://example.com/blog/2025/01/02/post/p.jpg"'),
    ('<video src="v.mp4" poster="p.jpg"></video>', 'src="https://example.com/blog/2025/01/02/post/v.mp4"'),
])
def test_urls_become_absolute_against_the_post_url(source: str, expected: str) -> None:
    assert expected in sanitize(source, BASE)


@pytest.mark.parametrize("source, gone", [
    ("<p>a<script>alert(1)</script>b</p>", ["script", "alert"]),
    ('<p onclick="steal()" onmouseover="x()">a</p>', ["onclick", "onmouseover", "steal"]),
    ('<img src="x.png" onerror="steal()">', ["onerror", "steal"]),
    ('<a href="javascript:alert(1)">a</a>', ["javascript"]),
    ('<a href=" JaVaScRiPt:alert(1)">a</a>', ["javascript", "JaVaScRiPt", "alert"]),
    ('<a href="data:text/html,<script>x</script>">a</a>', ["data:", "script"]),
    ('<img src="x.png" srcset="javascript:alert(1) 2x">', ["javascript", "srcset"]),
    ('<iframe src="https://evil.example/"></iframe>', ["iframe"]),  # a plain link to it stays (see test_embeds)
    ('<form action="/steal"><input name="pw"><button>go</button></form>', ["form", "input", "steal"]),
    ("<style>body{display:none}</style><p>x</p>", ["style", "display"]),
    ('<object data="x.swf"></object><embed src="y.swf">', ["object", "embed", "swf"]),
    ('<p style="position:fixed">x</p>', ["style", "position"]),
    ("<p>a<!-- secret -->b<!--more--></p>", ["<!--", "secret"]),
])
def test_active_content_is_removed(source: str, gone: list[str]) -> None:
    cleaned = sanitize(source, BASE)
    for word in gone:
        assert word not in cleaned, cleaned


def test_forbidden_xml_characters_are_removed() -> None:
    cleaned = sanitize("<p>a\x00b\x01c\x08d\x0be\x0cf\x1fg\x7fh\ufffei\ufffftab\tok</p>", BASE)
    assert cleaned == "<p>abcdefghitab\tok</p>"
    ET.fromstring(f"<root>{cleaned}</root>")  # now legal XML


def test_character_references_to_forbidden_characters_are_removed() -> None:
    cleaned = sanitize('<p>a&#1;b&#x1b;c&#xFFFE;d <img alt="x&#2;y" src="p.png"></p>', BASE)
    assert cleaned == '<p>abcd <img alt="xy" src="https://example.com/blog/2025/01/02/post/p.png"></p>'


def render(site, name: str, text: str):
    site.post(name, raw=text.encode())
    return Renderer(site.config).render(load_one(site.config, name))


def test_markdown_features(site) -> None:
    out = render(site, "2025-01-02-md.md", """---
title: Markdown
---
## Heading

```python
print("<hi>")
```

| a | b |
|---|--:|
| 1 | 2 |

Text with a note.[^1]

- one
- two

[rel](../x/) ![img](pic.png)

[^1]: The note.
""")
    html = out.html
    assert "<h2>Heading</h2>" in html
    assert '<pre><code class="language-python">print("&lt;hi&gt;")\n</code></pre>' in html
    assert "<table>" in html and '<td style="text-align:right">2</td>' in html
    assert 'class="footnote"' in html and "The note." in html
    assert "<li>one</li>" in html
    assert 'href="https://example.com/blog/2025/01/02/x/"' in html
    assert 'src="https://example.com/blog/2025/01/02/md/pic.png"' in html


def test_sample_excerpt_is_rendered_markdown(site) -> None:
    out = render(site, SAMPLE_POST.name, SAMPLE_POST.read_text(encoding="utf-8"))
    assert out.excerpt_html == "<p><strong>Meta Llama 4、一般公開で性能向上</strong>について詳細に分析します。</p>"
    assert "**" not in out.excerpt(300)
    assert out.reading_time == 8  # from front matter
    assert out.html.startswith("<p>Meta Llama 4、性能向上で何が変わる？</p>")


def test_excerpt_is_the_text_before_more(site) -> None:
    out = render(site, "2025-01-02-more.md",
                 "---\ntitle: M\n---\nFirst *part*.\n\nStill first.\n\n<!--more-->\n\nRest.\n")
    assert out.excerpt_html == "<p>First <em>part</em>.</p>\n<p>Still first.</p>"
    assert "Rest." in out.html and "<!--" not in out.html


def test_excerpt_is_the_first_paragraph_otherwise(site) -> None:
    out = render(site, "2025-01-02-first.md", "---\ntitle: F\n---\n# Title\n\nFirst para.\n\nSecond para.\n")
    assert out.excerpt_html == "<p>First para.</p>"


def test_front_matter_excerpt_wins_and_is_sanitized(site) -> None:
    out = render(site, "2025-01-02-ex.md",
                 '---\nexcerpt: "See [this](rel/) <script>x()</script>"\n---\nBody.\n\n<!--more-->\n\nMore.\n')
    assert out.excerpt_html == '<p>See <a href="https://example.com/blog/2025/01/02/ex/rel/">this</a> </p>'


def test_body_html_is_sanitized(site) -> None:
    out = render(site, "2025-01-02-raw.md", '---\ntitle: R\n---\n<div onclick="x()">raw <iframe src="e"></iframe>'
                                           '<script>alert(1)</script></div>\n\nText ]]> end \x07\n')
    assert "onclick" not in out.html and "iframe" not in out.html and "script" not in out.html
    assert "Text ]]&gt; end" in out.html and "\x07" not in out.html


def test_render_reports_a_file_gone_missing(site) -> None:
    site.post("2025-01-02-ok.md", "title: Ok")
    rendered, problems = Renderer(site.config).render_paths(["2025-01-02-gone.md", "2025-01-02-ok.md"])
    assert [r.post.path for r in rendered] == ["2025-01-02-ok.md"]
    assert [str(p).split(" (")[0] for p in problems] == ["2025-01-02-gone.md: cannot read: No such file or directory"]


@pytest.mark.parametrize("text, minutes", [
    ("word " * 220, 1),
    ("word " * 221, 2),
    ("word " * 1000, 5),
    ("日本語" * 500, 3),  # 1500 characters at 500 a minute
    ("語" * 1000 + " word" * 220, 3),
    ("", 1),
])
def test_reading_minutes(text: str, minutes: int) -> None:
    assert reading_minutes(f"<p>{text}</p>") == minutes


def test_reading_time_computed_when_not_in_front_matter(site) -> None:
    out = render(site, "2025-01-02-rt.md", "---\ntitle: R\n---\n" + "word " * 700 + "\n")
    assert out.reading_time == 4


def test_plain_text() -> None:
    # entities decoded, all whitespace (NBSP too) collapsed
    assert plain_text("<p>a &amp; <b>b</b></p>\n<p>c&nbsp;d</p>") == "a & b c d"


def test_a_large_batch_renders_on_worker_processes_exactly_as_in_this_one(site, monkeypatch) -> None:
    """Archive pages and first publishes render many posts at once; forked workers share the work."""
    from feeder.posts import render
    from feeder.posts.render import _PARALLEL_FROM

    pools: list[int] = []

    class Counting(WorkerPool):
        def __init__(self, workers, task):
            pools.append(workers)
            super().__init__(workers, task)

    monkeypatch.setattr(render, "WorkerPool", Counting)

    posts = []
    for n in range(_PARALLEL_FROM + 8):
        text = (f"---\ntitle: Post {n}\ndate: 2025-01-01 00:{n:02d}:00 +0000\n---\n"
                f"Intro {n} with a [link](../other/) and `code`.\n\n<!--more-->\n\n"
                f"## Part\n\n| a | b |\n|---|---|\n| {n} | x |\n")
        name = f"2025-01-01-post-{n}.md"
        site.post(name, raw=text.encode())
        posts.append(load_one(site.config, name))
    shared, problems = Renderer(site.config, workers=2).render_all(posts)
    assert pools == [2]  # the batch went to the workers
    alone, more = Renderer(site.config).render_all(posts)
    assert problems == more == []
    assert [(r.post, r.html, r.excerpt_html, r.reading_time) for r in shared] == \
        [(r.post, r.html, r.excerpt_html, r.reading_time) for r in alone]
    assert 'href="https://example.com/blog/2025/01/01/other/"' in shared[0].html


@pytest.mark.parametrize("workers", [1, 2])
def test_a_post_that_renders_too_slowly_is_reported_and_the_others_render(site, workers) -> None:
    """Python-Markdown is quadratic on long runs of '[': such a post must not stall the run."""
    from feeder.posts.render import _PARALLEL_FROM

    posts = []
    for n in range(_PARALLEL_FROM + 1):
        body = "[" * 6000 if n == 3 else f"Post {n}.\n"
        name = f"2025-01-01-post-{n}.md"
        text = f"---\ntitle: Post {n}\n---\n{body}"
        site.post(name, raw=text.encode())
        posts.append(load_one(site.config, name))
    started = time.perf_counter()
    rendered, problems = Renderer(site.config, workers=workers, time_limit=0.3).render_all(posts)
    assert time.perf_counter() - started < 3  # rendering it in full takes about 4 s
    assert [str(p) for p in problems] == ["2025-01-01-post-3.md: Markdown took over 0.3 s to render; "
                                          "look for a long run of unclosed brackets, asterisks or backticks"]
    assert [r.post.path for r in rendered] == [p.post.path for p in posts if p.post.path != "2025-01-01-post-3.md"]


NESTED_DIVS = '<div markdown="1">\n' * 350 + "Deep inside.\n" + "</div>\n" * 350  # 7 KB


def test_markdown_nested_too_deeply_is_reported_and_the_rest_published(site, cli, read_feed) -> None:
    """Issue 14, row 3: 350 nested <div markdown="1"> (7 KB) were a RecursionError that ended every command."""
    site.write_config("digest:\n  from: Test <digest@example.com>\n  unsubscribe_url: https://example.com/u?e={email}\n")
    site.post("2025-12-08-good.md", "title: Good\ndate: 2025-12-08 10:00:00 +0000")
    site.post("2025-12-09-deep.md", "title: Deep\ndate: 2025-12-09 10:00:00 +0000", body=NESTED_DIVS)
    config, now = site.root / "config.yaml", "2025-12-20T00:00:00Z"
    message = (f"{site.posts / '2025-12-09-deep.md'}: Markdown nests too deeply to render (hundreds of blocks "
               'inside each other, such as <div markdown="1">); flatten it')
    publish = cli("publish", "--config", config, "--now", now)
    assert publish.exit_code == 1 and publish.stderr.splitlines() == [message]
    assert [e.title for e in read_feed(site.root / "public" / "feed.xml").entries] == ["Good"]
    digest = cli("digest", "--config", config, "--now", now, "--week", "2025-W50", "--out", site.root / "digest")
    assert digest.exit_code == 1 and message in digest.stderr.splitlines()
    assert "Good" in (site.root / "digest" / "2025-W50.html").read_text(encoding="utf-8")


def test_the_renderer_renders_on_after_a_post_that_nests_too_deeply(site) -> None:
    site.post("2025-12-09-deep.md", "title: Deep", body=NESTED_DIVS)
    site.post("2025-12-10-fine.md", "title: Fine", body='<div markdown="1">\n*fine*\n</div>\n')
    rendered, problems = Renderer(site.config).render_paths(["2025-12-09-deep.md", "2025-12-10-fine.md"])
    assert [p.path for p in problems] == ["2025-12-09-deep.md"]
    assert [r.post.title for r in rendered] == ["Fine"] and "<em>fine</em>" in rendered[0].html


def test_html_nested_too_deeply_for_the_sanitizer_is_reported_in_time(site) -> None:
    """nh3's parser is quadratic in the nesting and cannot be interrupted: 100,000 nested <div> took 3 minutes."""
    site.post("2025-12-09-deep-html.md", "title: Deep HTML", body="<div>" * 20_000 + "x" + "</div>" * 20_000)
    renderer = Renderer(site.config, time_limit=30)
    started = time.perf_counter()
    with pytest.raises(PostError, match="cannot render: the HTML nests deeper than 512 levels; flatten it"):
        renderer.render(load_one(site.config, "2025-12-09-deep-html.md"))
    assert time.perf_counter() - started < 20  # about 3 s of sanitizing before; Markdown's own pass remains


def test_first_paragraph() -> None:
    assert _first_paragraph("<h2>a</h2><p>one</p><p>two</p>") == "<p>one</p>"
    assert _first_paragraph("<p>" * 100_000) == "<p>" * 100_000  # never closed: all of it, in one pass
    assert _first_paragraph("<ul><li>x</li></ul>") == "<ul><li>x</li></ul>"


# Embeds (issue 10, item 7): what the sanitizer removes leaves a link to its source in its place.

@pytest.mark.parametrize("embed, link", [
    ('<iframe width="560" src="https://www.youtube.com/embed/dQw4w9WgXcQ?start=42" title="YouTube video player" '
     "allowfullscreen></iframe>",
     '<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=42s">YouTube video</a></p>'),
    ('<iframe src="https://www.youtube-nocookie.com/embed/videoseries?list=PL123"></iframe>',
     '<p><a href="https://www.youtube.com/playlist?list=PL123">YouTube playlist</a></p>'),
    ('<iframe src="//player.vimeo.com/video/76979871?h=8" title="A talk"></iframe>',
     '<p><a href="https://vimeo.com/76979871">A talk</a></p>'),
    ('<iframe src="https://www.google.com/maps/embed?pb=!1m18!2d139" width="600"></iframe>',
     '<p><a href="https://www.google.com/maps/embed?pb=!1m18!2d139">Map</a></p>'),
    ('<script src="https://gist.github.com/alice/0a1b2c.js"></script>',
     '<p><a href="https://gist.github.com/alice/0a1b2c">Gist alice/0a1b2c</a></p>'),
    ('<script src="https://gist.github.com/alice/0a1b2c.js?file=My%20App.rb"></script>',
     '<p><a href="https://gist.github.com/alice/0a1b2c#file-my-app-rb">Gist alice/0a1b2c: My App.rb</a></p>'),
    ('<iframe src="https://w.soundcloud.com/player/?url=x"></iframe>',
     '<p><a href="https://w.soundcloud.com/player/?url=x">Embedded content (w.soundcloud.com)</a></p>'),
    ('<iframe src="/demos/canvas.html"></iframe>',
     '<p><a href="https://example.com/demos/canvas.html">Embedded content</a></p>'),
])
def test_an_embed_leaves_a_link_to_its_source(embed: str, link: str) -> None:
    assert sanitize(f"<p>Before.</p>\n{embed}\n<p>After.</p>", BASE) == f"<p>Before.</p>\n{link}\n<p>After.</p>"


def test_an_embed_inside_a_paragraph_leaves_an_inline_link() -> None:
    cleaned = sanitize('<p>See <script src="https://gist.github.com/bob/ff.js"></script> here.</p>', BASE)
    assert cleaned == '<p>See <a href="https://gist.github.com/bob/ff">Gist bob/ff</a> here.</p>'


@pytest.mark.parametrize("embed", [
    '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>',  # the tweet's
    "<script>document.write('x')</script>",  # blockquote above it keeps its own link
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe src="data:text/html,<b>x</b>"></iframe>',
    "<iframe srcdoc='<p>inline</p>'></iframe>",
])
def test_scripts_and_iframes_with_nothing_to_follow_leave_nothing(embed: str) -> None:
    assert sanitize(f"<p>a</p>{embed}<p>b</p>", BASE) == "<p>a</p><p>b</p>"


def test_embeds_are_links_in_the_feeds_and_the_digest(site, cli, read_feed) -> None:
    """The digest shows the first paragraph: a post that opens with a video opens with its link there too."""
    site.write_config("digest:\n  from: Test <digest@example.com>\n  unsubscribe_url: https://example.com/u?e={email}\n")
    site.post("2025-12-09-video.md", "title: Video", body=(
        '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" allowfullscreen></iframe>\n\n'
        "The code:\n\n"
        '<script src="https://gist.github.com/alice/0a1b2c.js"></script>\n'))
    config, now = site.root / "config.yaml", "2025-12-20T00:00:00Z"
    assert cli("publish", "--config", config, "--now", now).exit_code == 0
    content = read_feed(site.root / "public" / "atom.xml").entries[0].content[0].value
    youtube = '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">YouTube video</a>'
    gist = '<a href="https://gist.github.com/alice/0a1b2c">Gist alice/0a1b2c</a>'
    assert youtube in content and gist in content and "<iframe" not in content and "<script" not in content
    digest = cli("digest", "--config", config, "--now", now, "--week", "2025-W50", "--out", site.root / "digest")
    assert digest.exit_code == 0, digest.output
    email = (site.root / "digest" / "2025-W50.html").read_text(encoding="utf-8")
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in email
