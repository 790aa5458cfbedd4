"""The list headers as written: ASCII, one line per word-run, never RFC 2047-encoded, never split inside a word."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from feeder.digest.headers import MAX_LINE, POLICY, list_id


def head(**headers: str) -> bytes:
    msg = EmailMessage(policy=POLICY)
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("x")
    return msg.as_bytes().split(b"\r\n\r\n")[0]


def test_a_long_url_stays_whole_where_the_default_policy_would_encode_it():
    url = "<https://" + "a" * 150 + ".example.com/unsubscribe/" + "T" * 60 + ">"
    assert b"List-Unsubscribe: " + url.encode() + b"\r\n" in head(List_Unsubscribe=url) + b"\r\n"
    plain = EmailMessage()  # the stock SMTP policy, for contrast: this is what the header class prevents
    plain["List-Unsubscribe"] = url
    assert b"=?utf-8?q?" in plain.as_bytes()


def test_folding_happens_at_spaces_only():
    value = " ".join(f"<https://example.com/{i}/{'x' * 30}>" for i in range(4))
    lines = head(List_Unsubscribe=value).split(b"\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"List-Unsubscribe:"))
    folded = lines[start:start + 4]
    assert all(line.startswith(b" ") for line in folded[1:]) and all(len(line) <= 78 for line in folded)
    assert b"".join(folded).replace(b"List-Unsubscribe: ", b"").split(b" ")[1:] == value.encode().split(b" ")[1:]


@pytest.mark.parametrize("value", ["<https://例え.jp/u>", "<https://e.com/u>\r\nBcc: v@e.com",
                                   "<https://e.com/u>\nX: y"])
def test_a_value_that_is_not_one_ascii_line_is_refused(value):
    with pytest.raises(ValueError):
        head(List_Unsubscribe=value)


def test_a_word_too_long_for_any_line_is_refused_rather_than_split():
    with pytest.raises(ValueError, match="cannot go on one header line"):
        head(List_Unsubscribe="<https://e.com/" + "x" * MAX_LINE + ">")


def test_list_id_quotes_or_encodes_the_phrase_and_never_the_identifier():
    assert list_id("Plain Title", "digest.example.com") == "Plain Title <digest.example.com>"
    assert list_id('Acme, "Inc"\nBcc: x', "d.example.com") == '"Acme, \\"Inc\\" Bcc: x" <d.example.com>'
    encoded = list_id("週刊ダイジェスト", "d.example.com")
    assert encoded.startswith("=?utf-8?") and encoded.endswith(" <d.example.com>") and encoded.isascii()
