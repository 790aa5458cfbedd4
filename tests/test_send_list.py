"""``feeder send`` with the subscriber store: who is mailed, bounces, unfinished weeks, per-recipient links."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from mailserver import Recorder
from test_send import NOW, PEOPLE, WEEK, configure, copies, send

from feeder.config import load_config
from feeder.mail.ledger import ledger_path
from feeder.mail.sqlite_store import open_store
from feeder.mail.subscribers import Status
from feeder.mail.tokens import Tokens

KEY = "test-key-" + "k" * 32
T0 = datetime(2025, 12, 1, tzinfo=timezone.utc)


def edit(config_path: Path, **sections: dict) -> None:
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
        raw[name] = {k: v for k, v in raw[name].items() if v is not None}
    config_path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def store_of(config_path: Path):
    return open_store(load_config(config_path).state_dir)


def weeks_of(srv) -> Counter:
    return Counter((r.rcpt_tos[0], re.search(r"\(([0-9]{4}-W[0-9]{2})\)", r.message["Subject"])[1])
                   for r in srv.handler.received)


def test_only_active_subscribers_are_mailed(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    edit(config_path, digest={"recipients": None})  # the store alone
    for address in PEOPLE:
        assert cli("subscribers", "add", address, "--config", config_path).exit_code == 0
    store = store_of(config_path)
    store.mark(store.get(PEOPLE[1]).id, Status.UNSUBSCRIBED, T0)
    store.mark(store.get(PEOPLE[2]).id, Status.BOUNCED, T0)
    store.mark(store.get(PEOPLE[3]).id, Status.COMPLAINED, T0)
    from feeder.mail.subscribers import Consent
    store.subscribe("pending@example.com", "", now=T0, consent=Consent(T0))
    store.close()
    result = send(cli, config_path)
    assert result.exit_code == 0, result.output
    assert copies(srv) == Counter({PEOPLE[0]: 1, PEOPLE[4]: 1})
    assert "sent 2 of 2" in result.output


def test_each_message_has_its_own_signed_unsubscribe_link(cli, sample_site, server, monkeypatch):
    monkeypatch.setenv("FEEDER_SECRET_KEY", KEY)
    srv = server()
    config_path = configure(sample_site, srv.port)
    public = "https://list.allforces.example.com/" + "a-very-long-path-segment/" * 4
    edit(config_path, serve={"public_url": public})
    result = send(cli, config_path)
    assert result.exit_code == 0, result.output
    store = store_of(config_path)
    tokens = Tokens(KEY)
    for received in srv.handler.received:
        person = store.get(received.rcpt_tos[0])
        header = received.message["List-Unsubscribe"]
        match = re.fullmatch(rf"<{re.escape(public)}unsubscribe/([A-Za-z0-9_.-]+)>", header)
        assert match, header
        assert tokens.check_unsubscribe(match[1]) == person.id
        assert "@" not in match[1]
        assert f"{public}unsubscribe/{match[1]}" in received.message.get_body(("plain",)).get_content()
    assert len(srv.handler.received) == 5
    store.close()


def test_a_missing_secret_key_stops_the_send_before_anything_goes(cli, sample_site, server, monkeypatch):
    monkeypatch.delenv("FEEDER_SECRET_KEY", raising=False)
    srv = server()
    config_path = configure(sample_site, srv.port)
    edit(config_path, serve={"public_url": "https://list.example.com/"})
    result = send(cli, config_path)
    assert result.exit_code == 2 and "FEEDER_SECRET_KEY is not set" in result.output
    assert srv.handler.received == []


def test_import_after_unsubscribe_stays_unsubscribed_and_a_deleted_line_unsubscribes(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    assert send(cli, config_path, "--week", "2025-W49").exit_code == 0
    store = store_of(config_path)
    store.unsubscribe(store.get("hanako@example.net").id, T0, "one-click")
    store.close()
    lines = (sample_site / "recipients.txt").read_text(encoding="utf-8").splitlines()
    (sample_site / "recipients.txt").write_text("\n".join(x for x in lines if "reader@" not in x) + "\n",
                                                encoding="utf-8")
    result = send(cli, config_path, "-v")  # --week 2025-W50 (send() adds it last: the later one counts)
    assert result.exit_code == 0, result.output
    assert "hanako@example.net is not mailed: unsubscribed" in result.output
    got = weeks_of(srv)
    assert got[("hanako@example.net", WEEK)] == 0 and got[("reader@example.jp", WEEK)] == 0
    assert got[("ichiro@example.org", WEEK)] == 1
    store = store_of(config_path)
    assert store.get("hanako@example.net").status == Status.UNSUBSCRIBED
    assert store.get("reader@example.jp").status == Status.UNSUBSCRIBED
    assert [e.detail for e in store.events(store.get("reader@example.jp").id)][-1].startswith("no longer in")
    store.close()


def test_an_unfinished_earlier_week_is_finished_first_and_dry_run_shows_it(cli, sample_site, server):
    busy = {"hanako@example.net"}
    srv = server(Recorder(rcpt=lambda a: "451 4.3.0 Try later" if a in busy else None))
    config_path = configure(sample_site, srv.port)
    first = send(cli, config_path)
    assert first.exit_code == 1 and "sent 4 of 5" in first.output

    dry = cli("send", "--config", config_path, "--now", NOW, "--dry-run")  # the default week: 2025-W51
    assert dry.exit_code == 0, dry.output
    assert f"dry run, unfinished earlier week {WEEK}: would send 1 of 5 recipients (4 already sent)" in dry.output
    assert "dry run, 2025-W51: would send 5 of 5 recipients" in dry.output
    store = store_of(config_path)
    assert store.unfinished_weeks() == [WEEK]  # the dry run left no trace
    store.close()
    assert not ledger_path(load_config(config_path).state_dir, "2025-W51").exists()

    busy.clear()
    second = cli("send", "--config", config_path, "--now", NOW)
    assert second.exit_code == 0, second.output
    assert f"{WEEK} was not finished: sending it first, to the 1 who do not have it" in second.output
    assert second.output.index(WEEK) < second.output.index("2025-W51")
    got = weeks_of(srv)
    assert all(got[(p, WEEK)] == 1 and got[(p, "2025-W51")] == 1 for p in PEOPLE)
    first_w51 = next(i for i, r in enumerate(srv.handler.received) if "2025-W51" in r.message["Subject"])
    hanako_w50 = next(i for i, r in enumerate(srv.handler.received)
                      if r.rcpt_tos == ["hanako@example.net"] and WEEK in r.message["Subject"])
    assert hanako_w50 < first_w51
    store = store_of(config_path)
    assert store.unfinished_weeks() == []
    store.close()


def test_a_4xx_in_n_weeks_in_a_row_is_a_bounce(cli, sample_site, server):
    handler = Recorder(rcpt=lambda a: "452 4.2.2 Mailbox full" if a == "hanako@example.net" else None)
    srv = server(handler)
    config_path = configure(sample_site, srv.port)
    edit(config_path, digest={"soft_bounce_weeks": 2})
    assert send(cli, config_path, "--week", "2025-W49").exit_code == 1
    store = store_of(config_path)
    assert store.get("hanako@example.net").soft_bounces == 1
    store.close()
    second = send(cli, config_path)  # 2025-W49 again (same week: not counted twice), then 2025-W50
    assert "hanako@example.net: deferred again (too many weeks in a row): 452 4.2.2 Mailbox full; marked bounced, " \
        "not mailed again" in second.output
    store = store_of(config_path)
    assert store.get("hanako@example.net").status == Status.BOUNCED
    store.close()
    calls = handler.rcpt_calls["hanako@example.net"]
    third = cli("send", "--config", config_path, "--now", NOW)  # 2025-W51, after finishing W49 and W50
    assert third.exit_code == 0, third.output
    assert handler.rcpt_calls["hanako@example.net"] == calls == 3
    assert weeks_of(srv)[("ichiro@example.org", "2025-W51")] == 1
    store = store_of(config_path)
    assert store.unfinished_weeks() == []
    store.close()


def test_a_delivery_starts_the_soft_bounce_count_again(cli, sample_site, server):
    full = {"hanako@example.net"}
    srv = server(Recorder(rcpt=lambda a: "452 4.2.2 Mailbox full" if a in full else None))
    config_path = configure(sample_site, srv.port)
    edit(config_path, digest={"soft_bounce_weeks": 2})
    send(cli, config_path, "--week", "2025-W49")
    full.clear()
    assert send(cli, config_path).exit_code == 0  # W49 finished, then W50: delivered
    store = store_of(config_path)
    person = store.get("hanako@example.net")
    assert (person.status, person.soft_bounces) == (Status.ACTIVE, 0)
    store.close()


def test_a_week_goes_to_those_active_when_it_was_first_sent(cli, sample_site, server):
    busy = {"hanako@example.net"}
    srv = server(Recorder(rcpt=lambda a: "451 4.3.0 Try later" if a in busy else None))
    config_path = configure(sample_site, srv.port)
    send(cli, config_path)
    assert cli("subscribers", "add", "late@example.com", "--config", config_path).exit_code == 0
    busy.clear()
    assert send(cli, config_path).exit_code == 0
    assert weeks_of(srv)[("late@example.com", WEEK)] == 0  # joined after the week went out: from the next one


@pytest.mark.parametrize("code", ["550 5.1.1 No such user", "554 5.7.1 Rejected"])
def test_a_5xx_at_rcpt_is_a_bounce_and_never_retried(cli, sample_site, server, code):
    handler = Recorder(rcpt=lambda a: code if a == "ichiro@example.org" else None)
    srv = server(handler)
    config_path = configure(sample_site, srv.port)
    assert send(cli, config_path, "--week", "2025-W49").exit_code == 1
    assert send(cli, config_path).exit_code == 0
    assert handler.rcpt_calls["ichiro@example.org"] == 1
    store = store_of(config_path)
    person = store.get("ichiro@example.org")
    assert person.status == Status.BOUNCED and code in store.events(person.id)[-1].detail
    store.close()
    assert copies(srv)["ichiro@example.org"] == 0


def test_sigkill_mid_send_keeps_the_bounce_it_recorded_and_the_next_run_finishes(sample_site, server):
    handler = Recorder(stall_after=3, rcpt=lambda a: "550 5.1.1 No such user" if a == "ichiro@example.org" else None)
    srv = server(handler)
    config_path = configure(sample_site, srv.port)  # taro, editors, hanako, ichiro, reader: in that order
    cmd = [sys.executable, "-m", "feeder.cli", "send", "--config", str(config_path), "--now", NOW, "--week", WEEK]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while "reader@example.jp" not in handler.rcpt_calls and time.monotonic() < deadline:  # its DATA is held
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    store = store_of(config_path)
    ichiro = store.get("ichiro@example.org")
    assert ichiro.status == Status.BOUNCED and [e.kind for e in store.events(ichiro.id)][-1] == "bounced"
    assert store.unfinished_weeks() == [WEEK]
    store.close()

    handler.stall_after = None
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "sent 1 of 1 (3 already had it" in again.stdout
    assert copies(srv) == Counter({p: 1 for p in PEOPLE if p != "ichiro@example.org"})
    assert handler.rcpt_calls["ichiro@example.org"] == 1


def test_an_unfinished_week_that_cannot_be_built_now_does_not_hold_up_the_next(cli, sample_site, server):
    busy = {"hanako@example.net"}
    srv = server(Recorder(rcpt=lambda a: "451 4.3.0 Try later" if a in busy else None))
    config_path = configure(sample_site, srv.port)
    assert send(cli, config_path, "--week", "2025-W49").exit_code == 1
    post = next((sample_site / "posts").glob("2025-12-05-*.md"))
    head = post.read_text(encoding="utf-8").split("---\n", 2)[1]
    post.write_text(f"---\n{head}---\n{'*' * 25_000}x{'*' * 25_000}\n", encoding="utf-8")  # cannot go in an email
    busy.clear()
    result = send(cli, config_path)
    assert result.exit_code == 1
    assert "2025-W49 is not finished and cannot be sent now" in result.output
    assert f"{WEEK}: sent 5 of 5" in result.output
    store = store_of(config_path)
    assert store.unfinished_weeks() == ["2025-W49"]
    store.close()


def test_forget_removes_the_address_from_the_send_journals_and_nobody_gets_a_second_copy(cli, sample_site,
                                                                                         server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    assert send(cli, config_path).exit_code == 0
    journal = ledger_path(load_config(config_path).state_dir, WEEK)
    assert b"hanako@example.net" in journal.read_bytes()
    result = cli("subscribers", "forget", "Hanako@Example.NET", "--config", config_path)
    assert result.exit_code == 0 and "1 line(s) removed from the send journals" in result.output
    assert b"hanako" not in journal.read_bytes() and journal.stat().st_mode & 0o777 == 0o600
    lines = (sample_site / "recipients.txt").read_text(encoding="utf-8")
    assert "hanako@example.net" in lines  # still listed in the old file: refused, not mailed
    again = send(cli, config_path)
    assert again.exit_code == 0 and "already sent to all 4 recipients" in again.output
    assert copies(srv) == Counter({p: 1 for p in PEOPLE})
