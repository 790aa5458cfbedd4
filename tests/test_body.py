"""The digest's HTML: inlined, absolute, sanitized, valid, and laid out right in a real browser."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import browser
import pytest
from conftest import REPO, SAMPLE_NOW, missing_tool, nu_checker

from feeder.digest.body import email_excerpt
from feeder.digest.issue import PLACEHOLDER_RECIPIENT, build_issue
from feeder.errors import ConfigError

DIGEST = "digest:\n  from: Test <digest@example.com>\n  unsubscribe_url: https://example.com/u?e={email}\n"


class Elements(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, name):
        return [attrs for tag, attrs in self.tags if tag == name]


@pytest.fixture
def w50(sample_config) -> str:
    return build_issue(sample_config, SAMPLE_NOW, "2025-W50").personalize(PLACEHOLDER_RECIPIENT)[0]


# What stays a <style> block rather than being inlined: resets and decoration a client without <style> can do
# without (the tag pills), the phone layout and dark mode (issue 13: inline styles were half the bytes).
KEPT_SELECTORS = {"body", "table", "a", "img", ".hero", ".tag", ".excerpt pre"}


def test_css_is_inlined_but_for_enhancements_media_queries_and_outlook_dark_mode(w50):
    styles = re.findall(r"<style[^>]*>(.*?)</style>", w50, re.DOTALL)
    conditional = re.findall(r"<!--\[if mso\]>.*?<!\[endif\]-->", w50, re.DOTALL)
    outside = [s for s in styles if not any(s in c for c in conditional)]
    assert len(outside) == 2
    main, outlook_com = outside
    assert "prefers-color-scheme: dark" in main and "max-width: 620px" in main
    rules = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", main)
    selectors = {sel.strip() for block in re.findall(r"([^{}]+)\{", rules) for sel in block.split(",")}
    assert selectors == KEPT_SELECTORS, selectors
    # Outlook.com's dark mode, in a block of its own (a client refusing attribute selectors drops only it)
    assert all(sel.strip().startswith(("[data-ogsc]", "[data-ogsb]"))
               for block in re.findall(r"([^{}]+)\{", outlook_com) for sel in block.split(","))
    assert w50.index('<meta charset="utf-8">') < 1024  # the charset stays within the first 1024 bytes
    doc = Elements(w50)
    cells = doc.all("td")
    assert cells and all("style" in c for c in cells)
    assert ": " not in "".join(c["style"] for c in cells)  # inline rules minified


def test_outlook_and_gmail_robustness(w50):
    """What MJML emits for Outlook and mobile clients, checked (issue 13)."""
    mso = "".join(re.findall(r"<!--\[if mso\]>(.*?)<!\[endif\]-->", w50, re.DOTALL))
    assert "<o:AllowPNG/>" in mso and "<o:PixelsPerInch>96</o:PixelsPerInch>" in mso
    assert "mso-table-lspace: 0pt" in mso and "mso-table-rspace: 0pt" in mso
    assert "mso-line-height-rule: exactly" in mso and "-ms-interpolation-mode: bicubic" in mso
    assert '"Yu Gothic", Meiryo' in mso  # the Japanese font fallback for Outlook
    outside = re.sub(r"<!--\[if mso\]>.*?<!\[endif\]-->", "", w50, flags=re.DOTALL)
    assert "mso-" not in outside  # the Nu checker refuses mso-* anywhere else
    assert "-webkit-text-size-adjust: 100%" in w50 and "-ms-text-size-adjust: 100%" in w50
    doc = Elements(w50)
    article = [d for d in doc.all("div") if d.get("role") == "article"]
    assert len(article) == 1 and article[0]["aria-label"].startswith("ALLFORCES Weekly")
    assert article[0]["lang"] == "ja" and article[0]["aria-roledescription"] == "email"
    # the bulletproof button: a cell with bgcolor holding only the link; no padding on the link
    buttons = re.findall(r'<td class="button" bgcolor="#0b57b0" style="([^"]*)"><a href="[^"]+" style="([^"]*)">'
                         r"続きを読む →</a></td>", w50)
    assert len(buttons) == 4 and all("padding:" in cell and "padding" not in link for cell, link in buttons)
    assert '<meta name="format-detection"' in w50 and '<meta name="color-scheme" content="light dark">' in w50


def test_email_structure(w50):
    doc = Elements(w50)
    html_tag = doc.all("html")[0]
    assert html_tag["lang"] == "ja" and html_tag["dir"] == "ltr"
    tables = [t for t in doc.all("table") if t.get("cellpadding") != "3"]  # layout tables; excerpts' are data
    assert tables and all(t.get("role") == "presentation" for t in tables)
    assert "<!--[if mso]>" in w50 and "<!--[if !mso]><!-->" in w50
    preheader = re.search(r'<div class="preheader" style="([^"]*)">', w50)
    assert preheader and "display:none" in preheader[1]
    assert "color" not in preheader[1]  # hidden, not the background's colour (SpamAssassin's HTML_FONT_LOW_CONTRAST)
    assert "max-width:600px" in w50
    assert "2025年12月11日" in w50 and "ALLFORCES編集部" in w50 and "8分で読めます" in w50
    assert "#最新ニュース" in w50
    assert "https://allforces.example.com/digests/2025-W50.html" in w50  # web version
    assert "https://allforces.example.com/unsubscribe?email=subscriber%40example.com" in w50
    assert "Pandas &amp; Polars: &lt;DataFrame&gt; showdown" in w50  # titles escaped


def test_every_url_is_absolute_and_every_image_has_alt(w50):
    doc = Elements(w50)
    urls = [a["href"] for a in doc.all("a")] + [i["src"] for i in doc.all("img")]
    assert urls and all(re.match(r"https://", u) for u in urls), [u for u in urls if not u.startswith("https://")]
    assert "https://allforces.example.com/notes/pandas-vs-polars/" in urls  # a custom permalink
    images = doc.all("img")
    assert images and all("alt" in i for i in images)
    assert "https://cdn.allforces.example.com/og/feed-friendly-posts.png" in [i["src"] for i in images]


def test_nothing_active_reaches_the_email(site):
    site.write_config(DIGEST)
    site.post("2025-12-10-evil.md", "title: Evil <b>post</b>\ndate: 2025-12-10 12:00", body=(
        '<div onclick="steal()">Hello <a href="javascript:alert(1)">click</a> <img src="/x.png" onerror="steal()">'
        '<script>alert(1)</script><iframe src="https://evil.example/"></iframe>'
        '<form action="https://evil.example/"><input name="q"></form><video src="/v.mp4"></video>'
        '<a href="/relative/">relative</a> <span class="button">styled?</span>'
        '<img src="https://example.com/i.png" alt="chart"></div>\n\n<!--more-->\n\nRest.\n'))
    issue = build_issue(site.config, SAMPLE_NOW)
    body = issue.html.lower()
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<form", "<input", "<video", "steal()"):
        assert bad not in body, bad
    assert "evil &lt;b&gt;post&lt;/b&gt;" in body
    assert 'href="https://example.com/relative/"' in issue.html
    assert ('<img alt="" src="https://example.com/x.png"' in issue.html
            or 'src="https://example.com/x.png" alt=""' in issue.html)
    assert 'alt="chart"' in issue.html
    assert 'class="button"' not in issue.html.split('class="excerpt"', 1)[1].split("</div>", 1)[0]


def test_cjk_excerpts_are_cut_by_grapheme_never_mid_tag(site):
    site.write_config(DIGEST + "  excerpt_length: 20\n", language="ja")
    site.post("2025-12-10-ja.md", "title: 日本語\ndate: 2025-12-10 12:00",
              body="これは**とても長い**日本語の段落で、👩‍👩‍👧‍👦家族の絵文字と、が゙のような結合文字を含みます。さらに続きます。\n")
    issue = build_issue(site.config, SAMPLE_NOW)
    excerpt = issue.html.split('class="excerpt"', 1)[1].split("</div>", 1)[0]
    assert "これは<strong" in excerpt and "とても長い</strong>日本語の段落で、👩‍👩‍👧‍👦家族の…" in excerpt
    assert "これはとても長い日本語の段落で、👩‍👩‍👧‍👦家族の…" in issue.text
    assert email_excerpt("<p>one <em>two three</em> four</p>", 8) == "<p>one <em>two…</em></p>"


def test_rtl_site(site):
    site.write_config(DIGEST, language="ar")
    site.post("2025-12-10-a.md", "title: مرحبا\ndate: 2025-12-10 12:00")
    assert '<html lang="ar" dir="rtl">' in build_issue(site.config, SAMPLE_NOW).html


def test_packaged_templates_are_the_repository_templates():
    """templates/email/ is the one to edit; the package's folder is a link to it, so they cannot drift
    (building a wheel copies the files through the link)."""
    packaged = REPO / "feeder" / "templates" / "email"
    assert packaged.is_symlink() and packaged.resolve() == (REPO / "templates" / "email").resolve()
    assert sorted(p.name for p in packaged.iterdir()) == ["confirm.html", "confirm.txt", "digest.html", "digest.txt"]


def test_a_site_without_templates_uses_the_packaged_ones_and_may_override_one(site):
    site.write_config(DIGEST)
    site.post("2025-12-10-a.md", "title: A\ndate: 2025-12-10 12:00")
    default = build_issue(site.config, SAMPLE_NOW)
    assert "role=\"presentation\"" in default.html and "Read more" in default.text
    (site.root / "mine").mkdir()
    (site.root / "mine" / "digest.txt").write_text("{{ site.title }}: {% for i in items %}{{ i.title }}{% endfor %}\n")
    site.write_config(DIGEST + "  templates: mine\n")
    custom = build_issue(site.config, SAMPLE_NOW)
    assert custom.text.strip() == "Test Site: A" and custom.html == default.html


def test_templates_see_the_other_front_matter_keys_as_item_extra(site):
    """README: any unknown front matter key is available to templates, as item.extra, read-only."""
    (site.root / "mine").mkdir()
    (site.root / "mine" / "digest.html").write_text(
        "<!DOCTYPE html><html><body>{% for item in items %}<h2>{{ item.title }}</h2>"
        "{% if item.extra.subtitle is defined %}<p class=sub>{{ item.extra.subtitle }}</p>{% endif %}"
        "<p>{{ item.extra.get('series', {}).get('name', '-') }} {{ item.extra.get('parts', ())|join('/') }}</p>"
        "{% endfor %}</body></html>\n")
    (site.root / "mine" / "digest.txt").write_text(
        "{% for item in items %}{{ item.title }}: {{ item.extra.subtitle|default('') }}\n{% endfor %}")
    site.write_config(DIGEST + "  templates: mine\n")
    site.post("2025-12-10-a.md", """title: A
date: 2025-12-10 12:00
subtitle: "Tom & Jerry <b>again</b>"
series: {name: Weekly}
parts: [1, 2]""")
    site.post("2025-12-11-b.md", "title: B\ndate: 2025-12-11 12:00")
    issue = build_issue(site.config, SAMPLE_NOW)
    assert "<p class=\"sub\">Tom &amp; Jerry &lt;b&gt;again&lt;/b&gt;</p>" in issue.html  # autoescaped like any value
    assert "<p>Weekly 1/2</p>" in issue.html and "<p>- </p>" in issue.html  # B has no extra keys
    assert issue.text == "B: \nA: Tom & Jerry <b>again</b>\n"

    from feeder.digest.body import item

    extra = item(site.config, issue.posts[1], 100).extra
    assert extra["series"]["name"] == "Weekly" and extra["parts"] == (1, 2)
    with pytest.raises(TypeError):
        extra["subtitle"] = "changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        extra["series"]["name"] = "changed"  # type: ignore[index]
    assert issue.posts[1].post.extra["subtitle"] == "Tom & Jerry <b>again</b>"


def test_template_errors_name_the_file_and_line(site):
    (site.root / "mine").mkdir()
    (site.root / "mine" / "digest.html").write_text("<p>\n{% for x in %}\n")
    site.write_config(DIGEST + "  templates: mine\n")
    site.post("2025-12-10-a.md", "title: A\ndate: 2025-12-10 12:00")
    with pytest.raises(ConfigError, match=r"digest\.html:2: template error"):
        build_issue(site.config, SAMPLE_NOW)


def test_sample_week_passes_the_nu_html_checker(w50, tmp_path):
    page = tmp_path / "2025-W50.html"
    page.write_text(w50, encoding="utf-8")
    messages = nu_checker(page)
    presentational = re.compile(r"The “(align|bgcolor|border|cellpadding|cellspacing|valign|width|height)” "
                                r"attribute on the “(table|td|tr|th|img)” element is obsolete")
    unexpected = [m for m in messages if not (m.get("subType") == "warning" and presentational.search(m["message"]))]
    assert not unexpected, json.dumps(unexpected, ensure_ascii=False, indent=1)


def test_chromium_dark_mode_is_dark_and_readable(w50):
    _need_chromium()
    light = browser.shoot(w50, 600, browser.artifacts() / "digest-2025-W50-600-light-check.png")
    dark = browser.shoot(w50, 600, browser.artifacts() / "digest-2025-W50-600-dark.png", dark=True)
    assert sum(browser.pixel(light.png, 5, 5)) > 600  # the page background: light grey by default
    assert sum(browser.pixel(dark.png, 5, 5)) < 120  # and near black in dark mode
    _share, colours = browser.ink(dark.png, 600)
    assert colours > 20  # text drawn on it, not a flat fill


HOSTILE = """A very long word: Pneumonoultramicroscopicsilicovolcanoconiosis{long}

<https://example.com/{long}>

<img src="https://example.com/wide.png" width="1600" height="400" alt="wide">

    a_very_long_line_of_code = "{long}"

| a | b | c | d |
|---|---|---|---|
| {long} | x | y | z |
"""


@pytest.mark.parametrize("width", [600, 375])
def test_chromium_renders_the_sample_week_without_overflow(w50, width):
    _need_chromium()
    shot = browser.shoot(w50, width, browser.artifacts() / f"digest-2025-W50-{width}.png")
    assert shot.scroll_width <= width and shot.widest <= width, shot
    assert shot.text > 500 and shot.height > 800
    share, colours = browser.ink(shot.png, width)
    assert share > 0.2 and colours > 20, (share, colours)  # not blank: background, cards, text


def test_chromium_hostile_content_does_not_overflow_a_phone(site):
    _need_chromium()
    site.write_config(DIGEST + "  excerpt_length: 2000\n")
    site.post("2025-12-10-wide.md", "title: Wide things\ndate: 2025-12-10 12:00\nexcerpt: |\n" +
              "\n".join("  " + line for line in HOSTILE.format(long="x" * 300).splitlines()))
    issue = build_issue(site.config, SAMPLE_NOW)
    excerpt = issue.html.split('class="excerpt"', 1)[1]
    assert "wide.png" in excerpt and "<pre" in excerpt and "<table" in excerpt and "x" * 300 in excerpt
    shot = browser.shoot(issue.personalize("a@example.com")[0], 375, browser.artifacts() / "digest-hostile-375.png")
    assert shot.scroll_width <= 375 and shot.widest <= 375, shot


def _need_chromium() -> None:
    if browser.chromium() is None:
        missing_tool("chromium", "apt-get install chromium fonts-noto-cjk")


def test_an_excerpt_nested_deeper_than_email_allows_is_refused_and_real_nesting_is_not(site):
    """css-inline recurses natively and crashed the process on 12,500 nested elements (issue 14, row 1):
    the digest refuses excerpts over MAX_DEPTH (100) levels. 2k asterisks around a word nest k <strong>."""
    from feeder.digest.body import MAX_DEPTH, email_problem
    from feeder.posts.render import Renderer

    lists = "\n".join("    " * i + f"- level {i}" for i in range(12)) + "\n\n<!--more-->\nThe rest.\n"
    site.post("2025-12-08-lists.md", "title: Lists\ndate: 2025-12-08 12:00", body=lists)
    site.post("2025-12-09-deep.md", "title: Deep\ndate: 2025-12-09 12:00", body="*" * 198 + "x" + "*" * 198)
    site.post("2025-12-10-deeper.md", "title: Deeper\ndate: 2025-12-10 12:00", body="*" * 200 + "x" + "*" * 200)
    rendered, problems = Renderer(site.config).render_paths(
        ["2025-12-08-lists.md", "2025-12-09-deep.md", "2025-12-10-deeper.md"])
    assert not problems and MAX_DEPTH == 100
    assert [email_problem(r) for r in rendered[:2]] == [None, None]
    refused = email_problem(rendered[2])
    assert str(refused) == ("2025-12-10-deeper.md:5: the excerpt nests HTML elements 101 deep, over the 100 the digest "
                            "allows (a long run of * or _ nests <strong> and <em> in one another); left out of the "
                            "digest")
    issue = build_issue(site.config, SAMPLE_NOW)
    assert [r.post.title for r in issue.posts] == ["Deep", "Lists"] and list(map(str, issue.problems)) == [str(refused)]
    assert "level 11" in issue.html and "<strong>" * 99 in issue.html.replace('<strong style="', "<strong>")
