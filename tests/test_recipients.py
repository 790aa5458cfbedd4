"""The recipients file: formats accepted, bad lines reported by number and skipped, duplicates once."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeder.errors import ConfigError
from feeder.mail.recipients import load_recipients, parse_recipients

LIST = """\
# The digest list
alice@example.com
Bob Builder <bob@example.org>
"Carol, Jr." <carol@example.net>   # trailing comment
  山田太郎 <taro@example.jp>

not-an-address
dave@@example.com
eve@example
ALICE@Example.com
Mallory <mallory@example.com>\x0bBcc: everyone@example.com
frank@exa_mple.com
bob@example.org
grace@bücher.example
.dot@example.com
"""


def test_parse_accepts_the_usual_shapes_and_reports_the_rest():
    result = parse_recipients(LIST, Path("recipients.txt"))
    assert [(r.name, r.address, r.line) for r in result.recipients] == [
        ("", "alice@example.com", 2),
        ("Bob Builder", "bob@example.org", 3),
        ("Carol, Jr.", "carol@example.net", 4),
        ("山田太郎", "taro@example.jp", 5),
        ("", "grace@xn--bcher-kva.example", 14),
    ]
    assert [(p.line, str(p).split(": ", 1)[0]) for p in result.problems] == [
        (7, "recipients.txt:7"), (8, "recipients.txt:8"), (9, "recipients.txt:9"),
        (11, "recipients.txt:11"), (12, "recipients.txt:12"), (15, "recipients.txt:15")]
    assert "expected one '@'" in str(result.problems[0])
    assert "control character" in str(result.problems[3])
    assert result.duplicates == [(10, 2, "ALICE@Example.com"), (13, 3, "bob@example.org")]


def test_formatted_address_is_a_safe_header_value():
    result = parse_recipients('"Carol, Jr." <carol@example.net>\n山田太郎 <taro@example.jp>\n', Path("r"))
    assert result.recipients[0].formatted == '"Carol, Jr." <carol@example.net>'
    assert result.recipients[1].formatted.endswith("<taro@example.jp>")


def test_a_comment_follows_the_address_and_cannot_hold_another():
    text = ('bob@example.org # my friend\n"Bob #1" <bob1@example.org> # the first\n'
            "a@example.com # c <victim@evil.example>\nDoe, John <j@example.com>\n")
    result = parse_recipients(text, Path("r"))
    assert [(r.name, r.address) for r in result.recipients] == [("", "bob@example.org"), ("Bob #1", "bob1@example.org")]
    assert [(p.line, p.message.split(":")[0]) for p in result.problems] == [
        (3, "a comment must not hold '<' or '>'"),
        (4, "the name in 'Doe, John <j@example.com>' must be in double quotes")]


def test_load_missing_unset_and_binary_files(tmp_path):
    with pytest.raises(ConfigError, match="not set"):
        load_recipients(None)
    with pytest.raises(ConfigError, match="does not exist"):
        load_recipients(tmp_path / "nope.txt")
    (tmp_path / "bin.txt").write_bytes(b"a@example.com\n\xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_recipients(tmp_path / "bin.txt")


def test_load_reads_utf8_with_bom(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("\ufeffa@example.com\r\nb@example.com\r\n", encoding="utf-8")
    assert [r.address for r in load_recipients(path).recipients] == ["a@example.com", "b@example.com"]


def test_the_bundled_sample_list_is_clean():
    from feeder.config import load_config

    config = load_config(Path(__file__).resolve().parent.parent / "config.yaml")
    result = load_recipients(config.digest.recipients)
    assert result.problems == [] and len(result.recipients) >= 3


PATHOLOGICAL = ["<" + " " * 50_000 + "x", "<" + "\t" * 50_000 + "victim@evil.example>x", '"' * 50_000,
                "a@example.com " + '"' * 50_000, '"' + "\\" * 50_000, "=?" * 25_000 + " <v@example.com>",
                "Name" + " " * 50_000 + "<victim@evil.example>", "x" * 50_000 + "@example.com"]


def test_fifty_kilobyte_lines_are_refused_at_once_with_a_short_message():
    """Reading ``Name <address>`` with one regular expression of two overlapping lazy repeats was cubic:
    ``<`` and 4,000 spaces took 47 s, so one such line stopped the send for hours.  Every line is now read in
    linear time and no message echoes more than an excerpt of it."""
    from feeder.deadline import deadline

    text = "\n".join(["first@example.com", *PATHOLOGICAL, "last@example.com"]) + "\n"
    with deadline(5):  # generous: the whole file takes milliseconds
        result = parse_recipients(text, Path("recipients.txt"))
    assert [r.address for r in result.recipients] == ["first@example.com", "last@example.com"]
    assert [p.line for p in result.problems] == list(range(2, 2 + len(PATHOLOGICAL)))
    assert all(len(str(p)) < 300 for p in result.problems), [len(str(p)) for p in result.problems]


def test_an_address_file_is_read_one_way_whatever_error_the_caller_raises(tmp_path) -> None:
    """The digest's recipients (a config error) and `subscribers import` (a usage error) read files alike."""
    from feeder.errors import UsageError
    from feeder.mail.list_files import read_list
    from feeder.mail.recipients import read_address_file

    latin = tmp_path / "latin.txt"
    latin.write_bytes("café@example.com\n".encode("latin-1"))
    for fail in (ConfigError, UsageError):
        with pytest.raises(fail, match=r"latin\.txt is not UTF-8 text .*; save it as UTF-8"):
            read_address_file(latin, fail)
    with pytest.raises(UsageError, match=r"missing\.txt does not exist"):
        read_list(tmp_path / "missing.txt")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfa@example.com\r\n")
    assert read_address_file(tmp_path / "bom.txt", UsageError) == "a@example.com\r\n"  # no BOM; a CR stays
