"""One recipient's message: built with EmailMessage, parsed back with email.parser."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import pytest
import spamassassin
from conftest import SAMPLE_NOW, heavy_week, html_as_sent, missing_tool

from feeder.config import load_config
from feeder.digest.files import write_digest
from feeder.digest.issue import build_issue
from feeder.digest.message import build_message
from feeder.errors import ConfigError, RecipientError


@pytest.fixture
def issue(sample_config):
    return build_issue(sample_config, SAMPLE_NOW, "2025-W50")


def parse(message):
    return BytesParser(policy=policy.default).parsebytes(message.as_bytes())


def test_headers_and_structure_parse_back(sample_config, issue):
    raw = build_message(sample_config, issue, "山田 太郎 <taro+news@example.jp>", now=SAMPLE_NOW)
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert str(msg["Subject"]) == "ALLFORCES Weekly 週刊ダイジェスト 2025年12月8日〜2025年12月14日 (2025-W50)"
    assert "=?utf-8?" in raw.as_bytes().decode("ascii").split("\r\n\r\n")[0]  # RFC 2047 on the wire
    assert msg["From"].addresses[0].display_name == "ALLFORCES編集部"
    assert msg["From"].addresses[0].addr_spec == "digest@allforces.example.com"
    assert msg["To"].addresses[0].addr_spec == "taro+news@example.jp"
    assert parsedate_to_datetime(msg["Date"]) == SAMPLE_NOW
    unsubscribe = "https://allforces.example.com/unsubscribe?email=taro%2Bnews%40example.jp"
    assert msg["List-Unsubscribe"].strip() == f"<{unsubscribe}>"  # folded onto its own line (legal FWS)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, body_html = parts[0].get_content(), parts[1].get_content()
    assert unsubscribe in text and unsubscribe in body_html
    assert "Meta Llama 4、性能向上で何が変わる？" in text and "Meta Llama 4、性能向上で何が変わる？" in body_html


def test_no_line_over_998_characters(sample_config, issue):
    data = build_message(sample_config, issue, "a@example.com", now=SAMPLE_NOW).as_bytes()
    assert b"\n" in data and max(len(line) for line in data.split(b"\r\n")) <= 998
    assert max(len(line) for line in issue.html.split("\n")) > 998  # the body itself has long lines


def test_message_id_is_unique_per_recipient_and_stable(sample_config, issue):
    def mid(to, **kw):
        return build_message(sample_config, issue, to, now=SAMPLE_NOW, **kw)["Message-ID"]

    assert mid("a@example.com") == mid("A@example.com") != mid("b@example.com")
    assert mid("a@example.com").endswith("@allforces.example.com>")
    assert mid("a@example.com", test=True) != mid("a@example.com")
    assert mid("a@example.com", message_id="<x@y>") == "<x@y>"


def test_test_send_prefixes_the_subject(sample_config, issue):
    msg = parse(build_message(sample_config, issue, "a@example.com", now=SAMPLE_NOW, test=True))
    assert str(msg["Subject"]).startswith("[TEST] ALLFORCES")


def test_one_click_only_for_https(site):
    site.write_config("digest:\n  from: s@example.com\n  unsubscribe_url: http://example.com/u?e={email}\n")
    site.post("2025-12-10-a.md", "title: A\ndate: 2025-12-10 12:00")
    config = site.config
    msg = parse(build_message(config, build_issue(config, SAMPLE_NOW), "a@example.com", now=SAMPLE_NOW))
    assert msg["List-Unsubscribe"].strip() == "<http://example.com/u?e=a%40example.com>"
    assert msg["List-Unsubscribe-Post"] is None


def test_missing_sender_is_a_config_error(site):
    site.post("2025-12-10-a.md", "title: A\ndate: 2025-12-10 12:00")
    config = site.config
    with pytest.raises(ConfigError, match=r"digest\.from"):
        build_message(config, build_issue(config, SAMPLE_NOW), "a@example.com", now=SAMPLE_NOW)


@pytest.mark.parametrize("to", ["a@example.com\r\nBcc: victim@example.com", "a@example.com\nX: y", "not an address",
                                "=?utf-8?q?A=0D=0ABcc=3A_victim=40example.com?= <a@example.com>",
                                "a@example.com # c <victim@example.com>"])
def test_header_injection_is_refused(sample_config, issue, to):
    with pytest.raises(RecipientError, match="recipient"):
        build_message(sample_config, issue, to, now=SAMPLE_NOW)


def test_a_title_with_a_newline_cannot_inject_a_header(site):
    (site.root / "config.yaml").write_text('site:\n  title: "Evil\\nBcc: victim@example.com"\n'
                                           "  url: https://example.com/\n  timezone: Asia/Tokyo\n"
                                           "digest:\n  from: s@example.com\n  subject: '{site} {week}'\n")
    site.post("2025-12-10-a.md", "title: A\ndate: 2025-12-10 12:00")
    config = site.config
    data = build_message(config, build_issue(config, SAMPLE_NOW), "a@example.com", now=SAMPLE_NOW).as_bytes()
    headers = data.split(b"\r\n\r\n")[0]
    assert b"\r\nBcc:" not in headers
    assert str(parse(build_message(config, build_issue(config, SAMPLE_NOW), "a@example.com",
                                   now=SAMPLE_NOW))["Subject"]) == "Evil Bcc: victim@example.com 2025-W50"


def test_the_html_goes_in_the_smaller_encoding_it_was_fitted_in(sample_config, issue):
    """Gmail's clip counts the part as sent: the issue measures it, the message uses that encoding."""
    size, encoding = html_as_sent(sample_config, issue, "subscriber@example.com")
    assert encoding == issue.size.encoding and issue.size.encoded >= size  # budgeted for the longest address
    assert issue.size.encoded - size < 1_000 and issue.size.encoded <= issue.size.other
    assert issue.size.clip == 102_000 and issue.size.fits
    assert str(issue.size).startswith(f"{issue.size.encoded:,} bytes as sent ({issue.size.encoding};")



# Rules allowed for the legacy link only: the sample config still names digest.unsubscribe_url, whose
# …/unsubscribe?email=subscriber%40example.com carries the address. A list run by feeder (serve.public_url)
# gives each subscriber a signed token instead, and then the rule is gone (the test after this one).
LEGACY_LINK = {
    "GB_CUSTOM_HTM_URI": "an address in a URL: digest.unsubscribe_url's {email}",
}


def _week_site(week: str, sample_site, tmp_path):
    """The config of the sample site, or of the 20-post heavy week written under *tmp_path*."""
    if week == "sample":
        return load_config(sample_site / "config.yaml")
    return load_config(heavy_week().write_site(tmp_path / "heavy"))


@pytest.mark.parametrize("week", ["sample", "heavy"])
def test_spamassassin_finds_nothing_feeder_could_fix(week, sample_site, cli, tmp_path):
    """SpamAssassin 4 (-t -L: local rules, no DNS) on the .eml `feeder digest` writes, for the sample week
    and the 20-post heavy week: every rule that fires is one only a relay can satisfy (or pending, above)."""
    if not spamassassin.available():
        missing_tool("spamassassin", "apt-get install spamassassin")
    config = _week_site(week, sample_site, tmp_path)
    written = write_digest(config, SAMPLE_NOW, "2025-W50", tmp_path / "out")
    assert written.issue is not None
    report = spamassassin.check((tmp_path / "out" / "2025-W50.eml").read_bytes())
    allowed = spamassassin.RELAY_ONLY.keys() | spamassassin.BY_DESIGN.keys() | LEGACY_LINK.keys()
    assert set(report.rules) <= allowed, f"rules feeder could fix: {sorted(set(report.rules) - allowed)} {report}"
    assert {"HTML_FONT_LOW_CONTRAST", "SUBJ_ALL_CAPS"}.isdisjoint(report.rules)  # the two issue 13 fixed
    assert report.score <= 1.0  # GB_CUSTOM_HTM_URI's 1.0 for the legacy link


@pytest.mark.parametrize("week", ["sample", "heavy"])
def test_spamassassin_finds_nothing_feeder_could_fix_in_a_subscribers_copy(week, sample_site, tmp_path):
    """The copy a subscriber of feeder's own list gets: its signed one-click link names nobody, and SpamAssassin
    finds only what a relay or DNS would satisfy."""
    if not spamassassin.available():
        missing_tool("spamassassin", "apt-get install spamassassin")
    from feeder.mail.tokens import Tokens

    config = _week_site(week, sample_site, tmp_path)
    issue = build_issue(config, SAMPLE_NOW, "2025-W50")
    assert issue is not None
    token = Tokens.from_environment_values("k" * 40, None).unsubscribe_token(12345)
    url = f"https://allforces.example.com/list/unsubscribe/{token}"
    message = build_message(config, issue, "Reader <reader@example.com>", now=SAMPLE_NOW, unsubscribe_url=url)
    report = spamassassin.check(message.as_bytes())
    allowed = spamassassin.RELAY_ONLY.keys() | spamassassin.BY_DESIGN.keys()
    assert set(report.rules) <= allowed, f"rules feeder could fix: {sorted(set(report.rules) - allowed)} {report}"
    assert report.score < 0.1, report


LONG_PUBLIC_URL = "https://newsletter-subscriptions.allforces.example.com/" + "very-long-path-segment/" * 4 + "list/"
TOKEN = "eyJzIjoxMjM0NX0.Z3-1dA." + "q" * 43  # the shape of a signed token: letters, digits, '.', '-', '_'


def _smtp(port):
    from feeder.config import Security, Smtp

    return Smtp(host="127.0.0.1", port=port, security=Security.NONE, timeout=10, rate_limit=0, retries=0,
                max_consecutive_failures=3)


def header_lines(data: bytes, name: bytes) -> list[bytes]:
    """The physical lines of header *name* in the raw header block (the first line and its continuations)."""
    head = data.split(b"\r\n\r\n")[0].split(b"\r\n")
    start = next(i for i, line in enumerate(head) if line.lower().startswith(name.lower() + b":"))
    end = start + 1
    while end < len(head) and head[end][:1] in (b" ", b"\t"):
        end += 1
    return head[start:end]


def test_a_long_list_unsubscribe_goes_on_the_wire_verbatim(sample_config, issue, server):
    """Python's email package would fold this URL into =?utf-8?q?…?= words; the bytes aiosmtpd got must not."""
    from feeder.mail.outbox import wire_bytes
    from feeder.mail.smtp import SmtpSender

    url = f"{LONG_PUBLIC_URL}unsubscribe/{TOKEN}"
    assert len(LONG_PUBLIC_URL) > 100 and len(url) > 78 * 2
    srv = server()
    message = build_message(sample_config, issue, "山田 太郎 <taro@example.jp>", now=SAMPLE_NOW, unsubscribe_url=url)
    with SmtpSender(_smtp(srv.port)) as sender:
        assert sender.deliver(wire_bytes(message), "digest@allforces.example.com", "taro@example.jp").accepted
    data = srv.handler.received[0].data
    assert header_lines(data, b"List-Unsubscribe") == [b"List-Unsubscribe: <" + url.encode() + b">"]
    assert header_lines(data, b"List-Unsubscribe-Post") == [b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    head = data.split(b"\r\n\r\n")[0]
    assert head.isascii() and b"=?utf-8?q?=3Chttps" not in head.lower()
    parsed = srv.handler.received[0].message
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    text, body_html = (part.get_content() for part in parsed.iter_parts())
    assert url in text and f'href="{url}"' in body_html  # the same URL in both bodies
    assert "allforces.example.com/unsubscribe?email=" not in text + body_html  # not the address-bearing one


def test_the_given_unsubscribe_url_replaces_the_configured_one(sample_config, issue):
    msg = parse(build_message(sample_config, issue, "a@example.com", now=SAMPLE_NOW,
                              unsubscribe_url="https://list.example.com/unsubscribe/abc"))
    assert msg["List-Unsubscribe"] == "<https://list.example.com/unsubscribe/abc>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("url", ["https://example.com/u/a\r\nBcc: victim@example.com",
                                 "https://example.com/u/a b", "https://例え.jp/u/a"])
def test_an_unsubscribe_url_that_could_break_the_header_is_refused(sample_config, issue, url):
    with pytest.raises(ConfigError, match="unsubscribe URL"):
        build_message(sample_config, issue, "a@example.com", now=SAMPLE_NOW, unsubscribe_url=url)


def test_list_id_is_derived_from_the_site_host(sample_config, issue):
    data = build_message(sample_config, issue, "a@example.com", now=SAMPLE_NOW).as_bytes()
    lines = header_lines(data, b"List-Id")
    assert lines[-1].endswith(b" <digest.allforces.example.com>")  # the identifier whole, never encoded
    assert all(len(line) <= 78 for line in lines) and b"\r\n".join(lines).isascii()
    assert str(parse_bytes(data)["List-Id"]) == "ALLFORCES <digest.allforces.example.com>"


def test_a_long_non_ascii_title_is_encoded_in_the_phrase_only(site):
    title = "週刊ダイジェスト、とても長いタイトルのサイトでございます。本当に長いのです"
    site.write_config("digest:\n  from: s@example.com\n", title=title)
    site.post("2025-12-10-a.md", "title: A\ndate: 2025-12-10 12:00")
    config = site.config
    data = build_message(config, build_issue(config, SAMPLE_NOW), "a@example.com", now=SAMPLE_NOW).as_bytes()
    lines = header_lines(data, b"List-Id")
    assert len(lines) > 1 and all(len(line) <= 78 for line in lines)  # folded between encoded-words
    assert lines[-1].endswith(b" <digest.example.com>")
    assert str(parse_bytes(data)["List-Id"]) == f"{title} <digest.example.com>"


def test_list_id_can_be_configured_and_a_bad_one_is_a_config_error(site):
    site.write_config('digest:\n  from: s@example.com\n  list_id: weekly.example.org\n', title='Acme, "Inc"')
    site.post("2025-12-10-a.md", "title: A\ndate: 2025-12-10 12:00")
    config = site.config
    msg = parse(build_message(config, build_issue(config, SAMPLE_NOW), "a@example.com", now=SAMPLE_NOW))
    assert msg["List-Id"] == '"Acme, \\"Inc\\"" <weekly.example.org>'
    for bad in ("<weekly.example.org>", "weekly", "weekly.example.org\\nBcc: x@y", "週刊.example.org"):
        site.write_config(f'digest:\n  from: s@example.com\n  list_id: "{bad}"\n')
        with pytest.raises(ConfigError, match=r"digest\.list_id"):
            site.config  # noqa: B018  # the property loads and checks the config


def parse_bytes(data):
    return BytesParser(policy=policy.default).parsebytes(data)


def test_the_postal_address_is_in_both_footers(site):
    site.write_config('digest:\n  from: s@example.com\n'
                      '  postal_address: "Acme <Inc.>\\n1-2-3 Shibuya\\nTokyo 150-0002"\n'
                      "serve:\n  public_url: https://list.example.com/\n")
    site.post("2025-12-10-a.md", "title: A\ndate: 2025-12-10 12:00")
    config = site.config
    issue = build_issue(config, SAMPLE_NOW)
    assert not [w for w in issue.warnings if "unsubscribe" in w]  # serve.public_url gives everyone a link
    msg = parse(build_message(config, issue, "a@example.com", now=SAMPLE_NOW,
                              unsubscribe_url="https://list.example.com/unsubscribe/tok"))
    text, body_html = (part.get_content() for part in msg.iter_parts())
    assert "Acme <Inc.>\r\n1-2-3 Shibuya\r\nTokyo 150-0002\r\n" in text  # CRLF: as the text part goes out
    assert "Acme &lt;Inc.&gt;<br>1-2-3 Shibuya<br>Tokyo 150-0002</p>" in body_html  # escaped, one line each
    assert "https://list.example.com/unsubscribe/tok" in text and 'href="https://list.example.com/unsubscribe/tok"' \
        in body_html


def test_feeder_send_puts_a_long_unsubscribe_url_on_the_wire_whole(cli, sample_site, server):
    """The whole path: config, issue, outbox, smtplib, aiosmtpd; the URL is over 100 characters before the address."""
    import yaml

    srv = server()
    path = sample_site / "config.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["smtp"] = {"host": "127.0.0.1", "port": srv.port, "security": "none", "retries": 0}
    raw["digest"]["unsubscribe_url"] = f"{LONG_PUBLIC_URL}unsubscribe?email={{email}}"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (sample_site / "recipients.txt").write_text("山田 太郎 <taro.yamada+digest@example.com>\n", encoding="utf-8")
    result = cli("send", "--config", path, "--now", "2025-12-22T00:00:00Z", "--week", "2025-W50")
    assert result.exit_code == 0, result.output
    (received,) = srv.handler.received
    url = f"{LONG_PUBLIC_URL}unsubscribe?email=taro.yamada%2Bdigest%40example.com"
    assert header_lines(received.data, b"List-Unsubscribe") == [f"List-Unsubscribe: <{url}>".encode()]
    assert header_lines(received.data, b"List-Id") == [b"List-Id: ALLFORCES <digest.allforces.example.com>"]
    assert b"=?utf-8?q?=3C" not in received.data.split(b"\r\n\r\n")[0].lower()


def test_feeder_send_from_the_store_puts_a_long_public_url_token_on_the_wire_whole(cli, sample_site, server,
                                                                                   monkeypatch):
    """serve.public_url over 100 characters: each subscriber's signed link, whole on one line and in both bodies."""
    import yaml

    from feeder.config import load_config
    from feeder.mail.sqlite_store import open_store
    from feeder.mail.tokens import Tokens

    key = "list-mail-test-key-0123456789"
    monkeypatch.setenv("FEEDER_SECRET_KEY", key)
    srv = server()
    path = sample_site / "config.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["smtp"] = {"host": "127.0.0.1", "port": srv.port, "security": "none", "retries": 0}
    raw["serve"] = {"public_url": LONG_PUBLIC_URL}
    raw["digest"].pop("unsubscribe_url", None)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (sample_site / "recipients.txt").write_text("山田 太郎 <taro@example.jp>\nhanako@example.net\n", encoding="utf-8")
    result = cli("send", "--config", path, "--now", "2025-12-22T00:00:00Z", "--week", "2025-W50")
    assert result.exit_code == 0, result.output
    assert len(srv.handler.received) == 2
    store = open_store(load_config(path).state_dir)
    try:
        for received in srv.handler.received:
            (address,) = received.rcpt_tos
            url = f"{LONG_PUBLIC_URL}unsubscribe/{Tokens(key).unsubscribe_token(store.get(address).id)}"
            assert len(url) > 130
            assert header_lines(received.data, b"List-Unsubscribe") == [f"List-Unsubscribe: <{url}>".encode()]
            assert header_lines(received.data, b"List-Unsubscribe-Post") == [
                b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
            text, body_html = (part.get_content() for part in received.message.iter_parts())
            assert url in text and f'href="{url}"' in body_html
            assert address not in url and "%40" not in url  # no address readable in the link
    finally:
        store.close()


def test_the_web_version_has_no_personal_link_with_only_the_store(site):
    site.write_config("digest:\n  from: s@example.com\nserve:\n  public_url: https://list.example.com/\n")
    site.post("2025-12-10-a.md", "title: A\ndate: 2025-12-10 12:00")
    issue = build_issue(site.config, SAMPLE_NOW)
    body_html, body_text = issue.public()
    from feeder.digest.body import UNSUBSCRIBE_TOKEN

    assert UNSUBSCRIBE_TOKEN in issue.html and UNSUBSCRIBE_TOKEN in issue.text  # each copy gets its own link
    assert "Unsubscribe" in issue.personalize("a@example.com", "https://list.example.com/unsubscribe/t")[0]
    assert UNSUBSCRIBE_TOKEN not in body_html + body_text and 'href=""' not in body_html
    assert "Unsubscribe" not in body_html and "Unsubscribe" not in body_text
    assert "digests/2025-W50.html" in body_html  # the rest of the footer is there
