"""HTML made plain text: the one-line summary and the digest's letter layout (feeder.posts.plaintext)."""

from __future__ import annotations

from feeder.posts.plaintext import is_number, letter_text, visible_text
from feeder.posts.wrap import columns


def test_inline_elements_add_no_space_and_blocks_stay_apart() -> None:
    assert visible_text("<p><strong>Meta Llama 4、一般公開で性能向上</strong>について</p>") == \
        "Meta Llama 4、一般公開で性能向上について"
    assert visible_text("<p>a &amp; <b>b</b></p>\n<p>c&nbsp;d</p><ul><li>e</li><li>f</li></ul>") == "a & b c d e f"
    assert visible_text("<p>x<br>y</p>") == "x y"
    assert visible_text("<p>日本\n語\n\n<em>と</em>\nEnglish\n日本</p>") == "日本語と English 日本"


def test_a_source_line_break_between_cjk_characters_is_no_space() -> None:
    """Markdown keeps the author's soft line breaks; CSS drops them between CJK characters, so do we."""
    assert visible_text("<p>日本語の文章が\n続きます。English\ntext.</p>") == "日本語の文章が続きます。English text."
    assert letter_text("<p>日本語の文章が\n続きます。</p>") == "日本語の文章が続きます。"


def test_paragraphs_wrap_at_72_columns_cjk_aware() -> None:
    ja = "今週はオープンモデルの話題に始まり、データセンターの電力問題で終わる一週間でした。" * 4
    en = "Every few months someone on our team asks whether it is finally time to move the nightly jobs. " * 3
    text = letter_text(f"<p>{ja}</p><p>{en}</p>")
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 2
    assert all(columns(line) <= 72 for line in text.splitlines())
    assert paragraphs[0].replace("\n", "") == ja  # broken between characters, nothing inserted
    assert paragraphs[1].replace("\n", " ") == en.strip()  # broken at spaces only


def test_links_show_their_url_once() -> None:
    text = letter_text('<p>背景は<a href="https://e.com/a">解説記事</a>にまとめました。'
                       '<a href="https://e.com/b">https://e.com/b</a> '
                       '<a href="mailto:ed@e.com">ed@e.com</a></p>')
    assert text == "背景は解説記事 (https://e.com/a)にまとめました。https://e.com/b ed@e.com"


def test_lists_code_and_quotes() -> None:
    html = ("<ul><li>first item</li><li>second <em>item</em><ul><li>nested</li></ul></li></ul>"
            '<ol start="3"><li>three</li><li>four</li></ol>'
            "<pre><code>def f():\n    return 1\n</code></pre>"
            "<blockquote><p>quoted words</p></blockquote><p>one<br>two</p>")
    assert letter_text(html) == (
        "- first item\n- second item\n  - nested\n\n"
        "3. three\n4. four\n\n"
        "    def f():\n        return 1\n\n"
        "> quoted words\n\n"
        "one\ntwo")


def test_long_list_items_hang_under_their_bullet() -> None:
    text = letter_text("<ul><li>" + "word " * 30 + "</li></ul>")
    lines = text.splitlines()
    assert lines[0].startswith("- word") and all(line.startswith("  word") for line in lines[1:])
    assert all(columns(line) <= 72 for line in lines)


def test_tables_are_aligned_with_numbers_to_the_right() -> None:
    html = ("<table><thead><tr><th>四半期</th><th>売上高（円）</th></tr></thead><tbody>"
            "<tr><td>2025年Q1</td><td>3,490,000,000</td></tr><tr><td>Q2</td><td>12,000</td></tr></tbody></table>")
    assert letter_text(html).splitlines() == [
        "四半期     売上高（円）",
        "--------  -------------",
        "2025年Q1  3,490,000,000",
        "Q2               12,000",
    ]


def test_a_table_too_wide_for_the_line_becomes_header_value_lines() -> None:
    html = ("<table><tr><th>Name</th><th>Note</th></tr>"
            f"<tr><td>a</td><td>{'long ' * 20}</td></tr><tr><td>b</td><td>short</td></tr></table>")
    blocks = letter_text(html).split("\n\n")
    assert blocks[0].startswith("Name: a\nNote: long long") and blocks[1] == "Name: b\nNote: short"


def test_images_show_their_alt_text() -> None:
    assert letter_text('<p>Chart: <img src="https://e.com/c.png" alt="Revenue by quarter"> <img src="x" alt=""></p>') \
        == "Chart: [Revenue by quarter]"


def test_what_counts_as_a_number() -> None:
    assert all(map(is_number, ["2025", "+12%", "¥1,200", "(1,234)", "42 億円", "3,490,000,000", "−3%", "1.8x"]))
    assert not any(map(is_number, ["Q1 2025", "abc", "1" * 30, "", "12 apples"]))
