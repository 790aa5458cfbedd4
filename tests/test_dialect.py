"""A Jekyll site's Markdown dialect (kramdown, GFM input) on Python-Markdown: one case per feature.

Each expected fragment is what kramdown 2.4 with kramdown-parser-gfm 1.1 (Jekyll
4.3's defaults: input GFM, auto_ids, smart quotes, no syntax highlighter in the
feed) writes for the same Markdown, after feeder's sanitizer; the markup differs
only in whitespace and attribute order, which the sanitizer's output fixes.
Where feeder deliberately differs (task-list checkboxes), the test says why.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feeder.jekyll_data import FrozenMap
from feeder.jekyll_site import Kramdown
from feeder.posts.dialect import Dialect, converter
from feeder.posts.render import _converter, sanitize

BASE = "https://example.com/post/"


def render(text: str, dialect: Dialect | None = None) -> str:
    return sanitize(converter(dialect or Dialect()).convert(text), BASE, ids=True)


CASES = [
    # Block rules
    ("list after a paragraph line", "Steps:\n- one\n- two\n",
     "<p>Steps:</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
    ("ordered list after a paragraph line", "Steps:\n1. one\n2. two\n",
     "<p>Steps:</p>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
    ("lists nested by 2 spaces", "- a\n  - b\n    - c\n- d\n",
     "<ul>\n<li>a<ul>\n<li>b<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n</li>\n<li>d</li>\n</ul>"),
    ("lists nested under an ordered item by 3 spaces", "1. one\n   - sub\n     1. deeper\n2. two\n",
     "<ol>\n<li>one<ul>\n<li>sub<ol>\n<li>deeper</li>\n</ol>\n</li>\n</ul>\n</li>\n<li>two</li>\n</ol>"),
    ("paragraphs and fenced code of an item indented to its text", "- a\n\n  more of a\n\n  ```\n  code\n  ```\n- b\n",
     "<ul>\n<li>\n<p>a</p>\n<p>more of a</p>\n<pre><code>code</code></pre>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>"),
    ("a lazy line continues its item", "- a\nstill a\n- b\n", "<ul>\n<li>a\nstill a</li>\n<li>b</li>\n</ul>"),
    ("ATX heading needs a space after #", "#hashtag\n\n# Title\n", '<p>#hashtag</p>\n<h1 id="title">Title</h1>'),
    ("a blank line ends a blockquote", "> one\n  \n> two\n",
     "<blockquote>\n<p>one</p>\n</blockquote>\n<blockquote>\n<p>two</p>\n</blockquote>"),
    ("^ ends a list: the code after it is not the item's", "* fix.diff\n^\n\n    --- a\n    +++ b\n{: .code}\n",
     '<ul>\n<li>fix.diff</li>\n</ul>\n<pre class="code"><code>--- a\n+++ b</code></pre>'),
    ("[[ref]] links the inner reference",
     "see [[Feature #1]][[Feature #1]] and [[x]] and [[y]](http://z)\n\n[Feature #1]: http://a/1\n",
     '<p>see [<a href="http://a/1">Feature #1</a>][<a href="http://a/1">Feature #1</a>] and [[x]] and '
     '<a href="http://z">[y]</a></p>'),
    # Attribute lists: applied, never printed
    ("IAL after a table", '| a | b |\n|---|---|\n| 1 | 2 |\n{: .wide rules="groups"}\n',
     '<table class="wide">\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n'
     '<td>2</td>\n</tr>\n</tbody>\n</table>'),
    ("IAL after fenced code", "```ruby\nx = 1\n```\n{: .shell}\n",
     '<pre class="shell"><code class="language-ruby">x = 1</code></pre>'),
    ("IAL after indented code", "    x = 1\n{: .shell}\n", '<pre class="shell"><code>x = 1</code></pre>'),
    ("IAL after a list", "- a\n- b\n{: .plain}\n", '<ul class="plain">\n<li>a</li>\n<li>b</li>\n</ul>'),
    ("IAL before a paragraph", "{: .notice}\nRead this.\n", '<p class="notice">Read this.</p>'),
    ("IAL after a heading", "## Heading\n{: #own .small}\n", '<h2 class="small" id="own">Heading</h2>'),
    ("IAL inline after an image", "![x](a.png){: .align-center}\n",
     '<p><img alt="x" class="align-center" src="https://example.com/post/a.png"></p>'),
    ("ALDs, comments and options never printed", "{:note: .notice}\n{::options parse_block_html=\"true\" /}\n"
     "{::comment}\nhidden\n{:/comment}\nText\n", "<p>Text</p>"),
    ("{::nomarkdown} keeps its HTML, not its tags", "{::nomarkdown}\n<p class=\"raw\">as is</p>\n{:/nomarkdown}\n",
     '<p class="raw">as is</p>'),
    # Heading ids (auto_ids) and the table of contents
    ("heading ids, GFM input", "# Über ñ 日本語\n## 1. Intro & stuff!\n## Intro\n## Intro\n## !!!\n## Custom {#mine}\n",
     '<h1 id="über-ñ-日本語">Über ñ 日本語</h1>\n<h2 id="1-intro--stuff">1. Intro &amp; stuff!</h2>\n'
     '<h2 id="intro">Intro</h2>\n<h2 id="intro-1">Intro</h2>\n<h2>!!!</h2>\n<h2 id="mine">Custom</h2>'),
    ("{:toc} lists the headings, not those of class no_toc", "* TOC\n{:toc}\n\n## A\n\n### B\n\n## C\n{: .no_toc}\n",
     '<ul id="markdown-toc"><li><a href="https://example.com/post/#a" id="markdown-toc-a">A</a><ul><li>'
     '<a href="https://example.com/post/#b" id="markdown-toc-b">B</a></li></ul></li></ul>\n<h2 id="a">A</h2>\n'
     '<h3 id="b">B</h3>\n<h2 class="no_toc" id="c">C</h2>'),
    ("{:toc} inside an HTML block, whose own headings get no id", '<nav class="toc" markdown="1">\n'
     "<header><h4>On this page</h4></header>\n*  Contents\n{:toc .toc__menu}\n</nav>\n\n# One\n\n## Two\n",
     '<nav class="toc">\n<header>\n<h4>On this page</h4>\n</header>\n<ul class="toc__menu" id="markdown-toc"><li>'
     '<a href="https://example.com/post/#one" id="markdown-toc-one">One</a><ul><li>'
     '<a href="https://example.com/post/#two" id="markdown-toc-two">Two</a></li></ul></li></ul>\n</nav>\n'
     '<h1 id="one">One</h1>\n<h2 id="two">Two</h2>'),
    ("markdown=\"1\" inside a raw HTML element is read as Markdown",
     '<aside class="s">\n<nav markdown="1">\n'
     "* *item*\n</nav>\n</aside>\n\n<div>\n<p>*raw*</p>\n</div>\n",
     '<aside class="s">\n<nav>\n<ul>\n<li><em>item</em></li>\n</ul>\n</nav>\n</aside>\n<div>\n<p>*raw*</p>\n</div>'),
    # Typography
    ("smart quotes and dashes", "He said \"hi\" -- it's --- 'done'... <<x>>\n",
     "<p>He said “hi” – it’s — ‘done’… «x»</p>"),
    # Spans and blocks of GFM and kramdown
    ("strikethrough (~~ only)", "~~gone~~ and ~one~\n", "<p><del>gone</del> and ~one~</p>"),
    ("fenced code with ~~~", "~~~python\nprint(1)\n~~~\n", '<pre><code class="language-python">print(1)</code></pre>'),
    ("fenced code right after a paragraph line", "Code:\n```\nx\n```\nafter\n",
     "<p>Code:</p>\n<pre><code>x</code></pre>\n<p>after</p>"),
    ("footnotes", "Text[^1].\n\n[^1]: The note.\n",
     '<p>Text<sup id="fnref:1"><a class="footnote" href="https://example.com/post/#fn:1">1</a></sup>.</p>\n'
     '<div class="footnotes">\n<ol>\n<li id="fn:1">\n<p>The note.&nbsp;<a class="reversefootnote" '
     'href="https://example.com/post/#fnref:1">↩</a></p>\n</li>\n</ol>\n</div>'),
    ("tables with alignment", "| a | b |\n|:--|--:|\n| 1 | 2 |\n",
     '<table>\n<thead>\n<tr>\n<th style="text-align:left">a</th>\n<th style="text-align:right">b</th>\n</tr>\n'
     '</thead>\n<tbody>\n<tr>\n<td style="text-align:left">1</td>\n<td style="text-align:right">2</td>\n</tr>\n'
     "</tbody>\n</table>"),
    ("kramdown's rules between table bodies keep the rows", "| a |\n|---|\n| 1 |\n|---|\n| 2 |\n|===|\n| f |\n",
     "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n</tr>\n<tr>\n<td>2</td>\n"
     "</tr>\n<tr>\n<td>f</td>\n</tr>\n</tbody>\n</table>"),
    ("definition lists", "Term\n: Definition\n", "<dl>\n<dt>Term</dt>\n<dd>Definition</dd>\n</dl>"),
    ("abbreviations", "*[HTML]: Hyper Text Markup Language\n\nHTML rocks\n",
     '<p><abbr title="Hyper Text Markup Language">HTML</abbr> rocks</p>'),
    ("CJK emphasis as the author means it", "これは**強調、**です。\n", "<p>これは<strong>強調、</strong>です。</p>"),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_kramdown_writes_the_same(text: str, expected: str) -> None:
    assert render(text) == expected


def test_task_lists_keep_their_state_as_text() -> None:
    """kramdown writes ``<input type="checkbox" disabled>``; the sanitizer drops inputs, so ☐/☑ say it instead."""
    assert render("- [ ] todo\n- [x] done\n") == (
        '<ul class="task-list">\n<li class="task-list-item">☐ todo</li>\n<li class="task-list-item">☑ done</li>\n</ul>')


@pytest.mark.parametrize("options, text, expected", [
    (Kramdown(input="kramdown"), "# Über ñ 日本語\n\n## 1. Intro & stuff!\n\n## Intro\n\n## Intro\n\n## !!!\n",
     '<h1 id="ber--">Über ñ 日本語</h1>\n<h2 id="intro--stuff">1. Intro &amp; stuff!</h2>\n<h2 id="intro">Intro</h2>\n'
     '<h2 id="intro-1">Intro</h2>\n<h2 id="section">!!!</h2>'),
    (Kramdown(auto_ids=False), "## Intro\n", "<h2>Intro</h2>"),
    (Kramdown(auto_id_prefix="p-"), "## Intro\n", '<h2 id="p-intro">Intro</h2>'),
    (Kramdown(smart_quotes="sbquo,lsquo,bdquo,ldquo"), "\"quoted\" and 'single'\n", "<p>„quoted“ and ‚single‘</p>"),
    (Kramdown(smart_quotes="not quotes"), '"q"\n', "<p>“q”</p>"),
    (Kramdown(gfm_quirks=("no_auto_typographic",)), "a -- b --- c...\n", "<p>a -- b --- c...</p>"),
    (Kramdown(typographic_symbols=FrozenMap({"hellip": "...", "mdash": "---"})), "a --- b...\n", "<p>a --- b...</p>"),
    (Kramdown(hard_wrap=True), "a\nb\n", "<p>a<br>\nb</p>"),
    (Kramdown(toc_levels=(2,)), "* x\n{:toc}\n\n## A\n\n### B\n",
     '<ul id="markdown-toc"><li><a href="https://example.com/post/#a" id="markdown-toc-a">A</a></li></ul>\n'
     '<h2 id="a">A</h2>\n<h3 id="b">B</h3>'),
], ids=["input kramdown", "auto_ids false", "auto_id_prefix", "smart_quotes", "smart_quotes unreadable",
        "no_auto_typographic", "typographic_symbols", "hard_wrap", "toc_levels"])
def test_the_sites_kramdown_options_change_the_html(options: Kramdown, text: str, expected: str) -> None:
    assert render(text, Dialect.of(options)) == expected


@pytest.mark.parametrize("text, expected", [
    ("```\n- [ ] x\n{: .a}\n#tag\n```\n", "<pre><code>- [ ] x\n{: .a}\n#tag</code></pre>"),
    ("<pre>\nPara\n- item\n#tag\n</pre>\n", "<pre>Para\n- item\n#tag\n</pre>"),
    ("Intro\n\n    #!/bin/sh\n    - not a list\n", "<p>Intro</p>\n<pre><code>#!/bin/sh\n- not a list</code></pre>"),
], ids=["fenced", "raw pre", "indented"])
def test_code_is_never_rewritten(text: str, expected: str) -> None:
    assert render(text) == expected


def test_one_converter_renders_post_after_post_alike() -> None:
    """Markers and ids of one post never leak into the next (the renderer resets one converter per post)."""
    md = converter(Dialect())
    first = md.convert("## Intro\n\n- a\n{: .x}\n")
    md.reset()
    md.convert("## Intro\n\n{: .y}\nOther\n")
    md.reset()
    assert md.convert("## Intro\n\n- a\n{: .x}\n") == first
    assert 'id="intro"' in first and "intro-1" not in first


def test_a_site_that_is_not_jekyll_keeps_python_markdowns_rules() -> None:
    """The dialect is for Jekyll sites only: the plain converter still reads these as it always did."""
    html = sanitize(_converter().convert("Steps:\n- one\n\n#tag\n"), BASE)
    assert html == "<p>Steps:\n- one</p>\n<h1>tag</h1>"


def test_a_jekyll_site_is_published_in_its_dialect(tmp_path, cli, read_feed) -> None:
    """From the CLI: `jekyll: .` and the site's kramdown options reach the feed; a plain site reads the same post
    as Python-Markdown always did."""
    (tmp_path / "_config.yml").write_text(
        "title: Dialect\nurl: https://example.org\ntimezone: UTC\n"
        "kramdown:\n  smart_quotes: sbquo,lsquo,bdquo,ldquo\n", encoding="utf-8")
    post = ("---\ntitle: Lists\ndate: 2025-12-10 10:00:00 +0000\n---\n"
            '## "Setup" steps\nDo this:\n- one\n  - nested\n\n| a |\n|---|\n| 1 |\n{: .wide}\n')
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2025-12-10-lists.md").write_text(post, encoding="utf-8")
    (tmp_path / "config.yaml").write_text("jekyll: .\nfeeds:\n  atom: atom.xml\n  rss: null\n  content: full\n",
                                          encoding="utf-8")
    result = cli("publish", "--config", tmp_path / "config.yaml", "--now", "2025-12-20T00:00:00Z")
    assert result.exit_code == 0, result.output
    content = read_feed(tmp_path / "public" / "atom.xml").entries[0].content[0].value
    assert '<h2 id="setup-steps">„Setup“ steps</h2>' in content
    assert "<p>Do this:</p>" in content and "<li>one<ul>\n<li>nested</li>" in content
    assert '<table class="wide">' in content and "{:" not in content

    plain = tmp_path / "plain"
    (plain / "posts").mkdir(parents=True)
    (plain / "posts" / "2025-12-10-lists.md").write_text(post, encoding="utf-8")
    (plain / "config.yaml").write_text("site:\n  title: Plain\n  url: https://example.org/\n  timezone: UTC\n"
                                       "feeds:\n  atom: atom.xml\n  rss: null\n  content: full\n", encoding="utf-8")
    assert cli("publish", "--config", plain / "config.yaml", "--now", "2025-12-20T00:00:00Z").exit_code == 0
    content = read_feed(plain / "public" / "atom.xml").entries[0].content[0].value
    assert '<h2>"Setup" steps</h2>' in content and "<p>Do this:\n- one" in content and "<table" not in content


_PIECES = [*"ab c*_`\\[]()!<>&;#:/-+1.|~^\"'\n", "  \n", "~~", "[[", "]]", "<<", ">>", "--", "...", "[^1]",
           "\n[^1]: note\n", "[[r]]", "<<x>>", "~~d~~", "{: .c}", "\n```\n", "\n- ", "\n  - ",
           "[r]\n\n[r]: /x", "日本語"]
_FAST, _STOCK = converter(Dialect()), converter(Dialect())


@settings(max_examples=300, deadline=None)
@example("see [[r]] and <<x>> and ~~d~~\n\n[r]: /x\n")  # each dialect pattern at work
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_the_skipping_inline_pass_renders_what_markdowns_own_does(text: str) -> None:
    """The dialect's patterns declare the characters they need (``needs``); skipping them changes nothing."""
    from markdown.treeprocessors import InlineProcessor

    _STOCK.treeprocessors.register(InlineProcessor(_STOCK), "inline", 20)
    _FAST.reset()
    _STOCK.reset()
    assert _FAST.convert(text) == _STOCK.convert(text)
