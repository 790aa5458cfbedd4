"""``feeder bounces``: real DSN and ARF samples (tests/fixtures/bounces), read and applied to a real store."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from conftest import SAMPLE_NOW

from feeder.config import load_config
from feeder.digest.issue import build_issue
from feeder.digest.message import build_message
from feeder.mail.bounces import read_mailbox, read_report
from feeder.mail.outbox import wire_bytes
from feeder.mail.sqlite_store import open_store
from feeder.mail.subscribers import Status
from feeder.mail.tokens import Tokens

FIXTURES = Path(__file__).parent / "fixtures" / "bounces"
NOW = "2025-12-22T00:00:00Z"
ADDED = datetime(2025, 12, 1, tzinfo=timezone.utc)
ON_LIST = ["gone@example.org", "slow@example.com", "angry@example.com", "full@example.net", "old@example.com",
           "expired@example.com", "hanako@example.net"]
KEY = "test-key-0123456789abcdef"


def reports(path: Path):
    return {source: read_report(source, data) for source, data in read_mailbox(path)}


def test_each_sample_reads_as_what_it_is():
    maildir = reports(FIXTURES / "maildir")
    mbox = reports(FIXTURES / "bounces.mbox")
    assert list(maildir) == ["new/1765954801.M1P100.mx1.allforces.example.com",
                             "new/1765958400.M2P101.mx1.allforces.example.com",
                             "cur/1765962000.M3P102.mx1.allforces.example.com:2,S",
                             "cur/1765965600.M4P103.mx1.allforces.example.com:2,S"]
    assert list(mbox) == ["#1", "#2", "#3", "#4", "#5"]
    postfix, delayed, arf, reply = maildir.values()
    (f,) = postfix.findings
    assert (f.kind, f.addresses, f.status, f.week) == ("bounced", ("gone@example.org",), "5.1.1", "2025-W50")
    assert "User unknown in virtual mailbox table" in f.detail
    assert postfix.message_id == "<20251217000001.4dQk7Z2hSdz9vCt@mail.allforces.example.com>"
    (f,) = delayed.findings
    assert (f.kind, f.addresses, f.status) == ("delayed", ("slow@example.com",), "4.4.1")
    (f,) = arf.findings
    assert (f.kind, f.addresses, f.status, f.week) == ("complained", ("angry@example.com",), "abuse", "2025-W50")
    assert reply.findings == () and "not a delivery-status or feedback report" in reply.unreadable
    exim, legacy, mixed, spam, broken = mbox.values()
    (f,) = exim.findings
    assert (f.kind, f.addresses, f.status) == ("bounced", ("full@example.net",), "5.0.0")
    assert "552 5.2.2 Mailbox full" in f.detail
    (f,) = legacy.findings  # no RFC 3464 part: flufl.bounce's Exim detector (X-Failed-Recipients)
    assert (f.kind, f.addresses) == ("bounced", ("old@example.com",)) and "flufl.bounce" in f.detail
    soft, hard = mixed.findings
    assert (soft.kind, soft.addresses, soft.status, soft.week) == ("soft", ("expired@example.com",), "4.4.7",
                                                                   "2025-W50")
    assert (hard.kind, hard.addresses, hard.status) == ("bounced", ("stranger@example.com",), "5.1.1")
    assert spam.findings == () and broken.findings == ()  # an address in spam is not a bounce


def populate(config_path: Path) -> None:
    store = open_store(load_config(config_path).state_dir)
    try:
        for address in ON_LIST:
            store.add(address, now=ADDED)
        store.unsubscribe(store.get("hanako@example.net").id, ADDED)  # already left: a bounce leaves her so
    finally:
        store.close()


def statuses(config_path: Path) -> dict[str, Status]:
    store = open_store(load_config(config_path).state_dir)
    try:
        return {address: store.get(address).status for address in ON_LIST}
    finally:
        store.close()


def events(config_path: Path, address: str) -> list[tuple[str, str]]:
    store = open_store(load_config(config_path).state_dir)
    try:
        return [(e.kind, e.detail) for e in store.events(store.get(address).id)]
    finally:
        store.close()


@pytest.fixture
def listed(sample_site):
    config = sample_site / "config.yaml"
    populate(config)
    return config


def test_a_maildir_marks_bounced_and_complained_and_says_what_it_matched(cli, listed):
    result = cli("bounces", "--config", listed, "--now", NOW, "-v", FIXTURES / "maildir")
    assert result.exit_code == 0, result.output
    out = result.output
    assert ("new/1765954801.M1P100.mx1.allforces.example.com: gone@example.org: bounced 5.1.1: bounced (was active)"
            in out)
    assert "new/1765958400.M2P101.mx1.allforces.example.com: slow@example.com: delayed 4.4.1: no change" in out
    assert "cur/1765962000.M3P102.mx1.allforces.example.com:2,S: angry@example.com: complained abuse: complained" in out
    assert "cur/1765965600.M4P103.mx1.allforces.example.com:2,S: not matched: not a delivery-status" in out
    assert "4 messages; 1 marked bounced, 1 complained, 0 soft bounces; 0 addresses not on the list, " \
           "1 messages not understood" in out
    now = statuses(listed)
    assert now["gone@example.org"] == Status.BOUNCED and now["angry@example.com"] == Status.COMPLAINED
    assert now["slow@example.com"] == Status.ACTIVE and now["hanako@example.net"] == Status.UNSUBSCRIBED
    kind, detail = events(listed, "gone@example.org")[-1]
    assert kind == "bounced"  # the event names the report it came from
    assert "5.1.1" in detail and "<20251217000001.4dQk7Z2hSdz9vCt@mail.allforces.example.com>" in detail
    assert "new/1765954801.M1P100.mx1.allforces.example.com" in detail

    again = cli("bounces", "--config", listed, "--now", NOW, "-v", FIXTURES / "maildir")
    assert again.exit_code == 0 and "0 marked bounced, 0 complained" in again.output
    assert "gone@example.org: bounced 5.1.1: left bounced" in again.output
    assert len(events(listed, "gone@example.org")) == 2  # added, bounced: a second run adds nothing


def test_an_mbox_with_exim_legacy_soft_and_unknown_recipients(cli, listed):
    result = cli("bounces", "--config", listed, "--now", NOW, "-v", FIXTURES / "bounces.mbox")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "#1: full@example.net: bounced 5.0.0: bounced (was active)" in out
    assert "#2: old@example.com: bounced: bounced (was active)" in out
    assert "#3: expired@example.com: soft 4.4.7: soft bounce 1 of 3 (2025-W50)" in out
    assert "#3: stranger@example.com: bounced 5.1.1: not on the list" in out
    assert "#4: not matched:" in out and "#5: not matched: a delivery-status report naming no recipient" in out
    assert "5 messages; 2 marked bounced, 0 complained, 1 soft bounces; 1 addresses not on the list, " \
           "2 messages not understood (-v lists them)" in out
    now = statuses(listed)
    assert now["full@example.net"] == now["old@example.com"] == Status.BOUNCED
    assert now["expired@example.com"] == Status.ACTIVE
    again = cli("bounces", "--config", listed, "--now", NOW, "-v", FIXTURES / "bounces.mbox")
    assert "#3: expired@example.com: soft 4.4.7: no change (2025-W50 already counted)" in again.output


def test_soft_bounces_in_enough_weeks_make_a_bounce(cli, listed, tmp_path):
    raw = yaml.safe_load(listed.read_text(encoding="utf-8"))
    raw["digest"]["soft_bounce_weeks"] = 2
    listed.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    sample = (FIXTURES / "bounces.mbox").read_bytes().split(b"\nFrom ")[2]  # the 4.4.7 / 5.1.1 report
    for week in ("2025-W50", "2025-W51"):
        box = tmp_path / f"{week}.mbox"
        box.write_bytes(b"From " + sample.replace(b"<2025-W50.", f"<{week}.".encode()))
        result = cli("bounces", "--config", listed, "--now", NOW, "-v", box)
        assert result.exit_code == 0, result.output
    assert "expired@example.com: soft 4.4.7: bounced (2025-W51: 2 weeks of 4xx)" in result.output
    assert statuses(listed)["expired@example.com"] == Status.BOUNCED


def test_an_abuse_report_with_the_recipient_redacted_is_matched_by_its_unsubscribe_token(cli, listed, tmp_path,
                                                                                          monkeypatch):
    """Providers redact the recipient; the signed token in the returned List-Unsubscribe still names them."""
    raw = yaml.safe_load(listed.read_text(encoding="utf-8"))
    raw["serve"] = {"public_url": "https://list.allforces.example.com/"}
    listed.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("FEEDER_SECRET_KEY", KEY)
    config = load_config(listed)
    store = open_store(config.state_dir)
    subscriber = store.get("slow@example.com")
    store.close()
    url = f"{config.serve.public_url}unsubscribe/{Tokens(KEY).unsubscribe_token(subscriber.id)}"
    message = build_message(config, build_issue(config, SAMPLE_NOW, "2025-W50"), "slow@example.com", now=SAMPLE_NOW,
                            unsubscribe_url=url)
    original = wire_bytes(message).replace(b"slow@example.com", b"redacted@example.net")
    box = tmp_path / "arf.mbox"
    box.write_bytes(b"From fbl@isp.example Mon Dec 22 00:00:00 2025\n" + arf(original))
    result = cli("bounces", "--config", listed, "--now", NOW, "-v", box)
    assert result.exit_code == 0, result.output
    assert "#1: slow@example.com: complained abuse: complained (was active)" in result.output
    assert statuses(listed)["slow@example.com"] == Status.COMPLAINED

    monkeypatch.setenv("FEEDER_SECRET_KEY", "another-key-0123456789abcdef")  # a token not signed by us names nobody
    store = open_store(config.state_dir)
    other = store.get("angry@example.com")
    store.close()
    forged = f"{config.serve.public_url}unsubscribe/{Tokens(KEY).unsubscribe_token(other.id)}"
    box.write_bytes(b"From fbl@isp.example Mon Dec 22 00:00:00 2025\n"
                    + arf(original.replace(url.encode(), forged.encode())))
    result = cli("bounces", "--config", listed, "--now", NOW, "-v", box)
    assert "#1: redacted@example.net: complained abuse: not on the list" in result.output
    assert statuses(listed)["angry@example.com"] == Status.ACTIVE


def arf(original: bytes) -> bytes:
    """An RFC 5965 abuse report around *original*, without Original-Rcpt-To (as redacting providers send it)."""
    return (b"From: FBL <fbl@isp.example>\nTo: digest@allforces.example.com\nSubject: complaint\n"
            b"Message-ID: <fbl-1@isp.example>\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"\n\n'
            b"--arf\nContent-Type: text/plain\n\nA complaint.\n"
            b"--arf\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n"
            b"User-Agent: ISP-FBL/1\n\n"
            b"--arf\nContent-Type: message/rfc822\n\n" + original.replace(b"\r\n", b"\n") + b"\n--arf--\n")


@pytest.mark.parametrize("make, expected", [
    (lambda p: p / "nothing-here", "no such Maildir or mbox file"),
    (lambda p: p, "not a Maildir"),
    (lambda p: (p / "notes.txt").write_text("hello\n") and p / "notes.txt", "not an mbox file"),
])
def test_a_path_that_is_no_mailbox_is_a_usage_error(cli, listed, tmp_path, make, expected):
    result = cli("bounces", "--config", listed, make(tmp_path))
    assert result.exit_code == 2 and expected in result.output


def test_an_empty_mbox_and_a_maildir_copy(cli, listed, tmp_path):
    (tmp_path / "empty.mbox").write_bytes(b"")
    result = cli("bounces", "--config", listed, tmp_path / "empty.mbox")
    assert result.exit_code == 0 and "0 messages" in result.output
    shutil.copytree(FIXTURES / "maildir", tmp_path / "Maildir")
    result = cli("bounces", "--config", listed, "-q", tmp_path / "Maildir")
    assert result.exit_code == 0 and result.output == ""


def test_a_huge_message_without_a_report_is_not_given_to_the_heuristics():
    data = (b"From: x@example.com\nSubject: Mail delivery failed\nX-Failed-Recipients: gone@example.org\n\n"
            + b"A message that you sent could not be delivered.\n" * 30_000)
    report = read_report("#1", data)
    assert report.findings == () and "over 1 MiB" in report.unreadable
    small = read_report("#2", data[:2000])  # the same bounce, small: flufl.bounce reads it
    assert [f.addresses for f in small.findings] == [("gone@example.org",)]
