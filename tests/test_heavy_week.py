"""The benchmark's heavy week (bench/heavy_week.py): 20 long posts, all of them under Gmail's clip.

20 posts with hero images, code, tables of large numbers, long URLs, Japanese and
English: before issue 13 its HTML was 109,652 bytes as sent (quoted-printable) with
excerpts already cut to 400 characters, so Gmail clipped it.
"""

from __future__ import annotations

import json
import re

import browser
import pytest
from conftest import SAMPLE_NOW, heavy_week, html_as_sent, missing_tool, nu_checker

from feeder.config import load_config
from feeder.digest.files import write_digest
from feeder.digest.issue import GMAIL_CLIP, SIZE_LIMIT
from feeder.posts.wrap import columns


@pytest.fixture(scope="module")
def heavy(tmp_path_factory):
    """(config, issue, output folder) of the heavy week, written as `feeder digest` writes it."""
    root = tmp_path_factory.mktemp("heavy")
    generator = heavy_week()
    config = load_config(generator.write_site(root))
    assert len(list((root / "posts").iterdir())) == generator.POSTS == 20
    written = write_digest(config, SAMPLE_NOW, generator.WEEK, root / "out")
    assert written.issue is not None
    return config, written.issue, root / "out"


def test_the_generator_is_deterministic(tmp_path):
    generator = heavy_week()
    one, two = tmp_path / "one", tmp_path / "two"
    generator.write_site(one)
    generator.write_site(two)
    files = sorted(p.name for p in (one / "posts").iterdir())
    assert files == sorted(p.name for p in (two / "posts").iterdir()) and len(files) == 20
    assert all((one / "posts" / f).read_bytes() == (two / "posts" / f).read_bytes() for f in files)


def test_all_20_posts_fit_under_the_clip_as_sent(heavy):
    config, issue, _out = heavy
    assert len(issue.posts) == 20 and issue.omitted == 0
    size, encoding = html_as_sent(config, issue)  # the longest address, in the message as it is built
    assert encoding == issue.size.encoding and size <= issue.size.encoded <= SIZE_LIMIT < GMAIL_CLIP
    # the fitter comes close to the limit (within 1 % of the best excerpt length), not far under it
    assert issue.size.encoded > SIZE_LIMIT - 2_000 and issue.excerpt_length >= 450
    assert issue.size.other > issue.size.encoded  # the other encoding would have cost more


def test_no_link_is_cut_and_every_excerpt_keeps_its_structure(heavy):
    _config, issue, _out = heavy
    assert not re.search(r"<a [^>]*>[^<]*…</a>", issue.html)  # no link whose text was cut
    assert issue.html.count("<pre") == 20 and issue.html.count("<table cellpadding") >= 10  # some cut before it
    assert issue.html.count('class="num"') >= 20


def test_the_text_part_reads_like_a_letter(heavy):
    _config, issue, _out = heavy
    lines = issue.text.splitlines()
    long = [line for line in lines if columns(line) > 72]
    # only what must not be broken: a URL (alone, or in parentheses after its link text), or a line of code
    assert all(line.startswith(("    ", "http", "(http")) or " " not in line.strip() for line in long), long
    assert sum(line.startswith("- ") for line in lines) >= 20  # list items
    assert sum(line.startswith("    ") for line in lines) >= 40  # code, indented
    assert any(re.fullmatch(r"2025年Q1 +[\d,]+ .*", line) for line in lines)  # a table row, aligned
    assert "(https://research.allforces.example.com/reports/2025/12/" in issue.text  # links show their URL


def test_the_heavy_week_passes_the_nu_html_checker(heavy):
    _config, _issue, out = heavy
    errors = [m for m in nu_checker(out / "2025-W50.html") if m.get("type") == "error"]
    assert not errors, json.dumps(errors, ensure_ascii=False, indent=1)


def test_numbers_in_tables_never_break_on_a_phone(heavy):
    if browser.chromium() is None:
        missing_tool("chromium", "apt-get install chromium fonts-noto-cjk")
    _config, issue, _out = heavy
    shot = browser.shoot(issue.personalize("a@example.com")[0], 375, browser.artifacts() / "digest-heavy-375.png")
    assert shot.numbers >= 20 and shot.wrapped_numbers == 0, shot
    assert shot.scroll_width <= 375 and shot.widest <= 375, shot
