"""``feeder send`` on the bundled sample site against a real SMTP server: exactly once, crash or not."""

from __future__ import annotations

import email.utils
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from disks import Tmpfs
from mailserver import Recorder, Server, credentials, make_certificates, server_context

from feeder.config import load_config
from feeder.digest.issue import build_issue
from feeder.mail.ledger import ledger_path, read_ledger

NOW = "2025-12-22T00:00:00Z"  # Monday 09:00 in Tokyo: 2025-W51 is the last complete week
WEEK = "2025-W50"  # the sample site's week with three published posts
PEOPLE = ["editors@allforces.example.com", "taro.yamada@example.com", "hanako@example.net",
          "ichiro@example.org", "reader@example.jp"]


def configure(root: Path, port: int, recipients: str | None = None, **smtp) -> Path:
    """Point the copied sample site at the test server (no retries: failures show at once)."""
    path = root / "config.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["smtp"] = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 10, "retries": 0,
                   "max_consecutive_failures": 10, **smtp}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if recipients is None:
        recipients = "山田 太郎 <taro.yamada@example.com>\n" + "\n".join(
            p for p in PEOPLE if not p.startswith("taro")) + "\n"
    (root / "recipients.txt").write_text(recipients, encoding="utf-8")
    return path


def copies(srv: Server) -> Counter:
    return Counter(rcpt for r in srv.handler.received for rcpt in r.rcpt_tos)


def send(cli, config: Path, *args: str):
    return cli("send", "--config", config, "--now", NOW, "--week", WEEK, *args)


def test_each_recipient_gets_one_message_of_their_own(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    config = load_config(config_path)
    subject = build_issue(config, datetime(2025, 12, 22, tzinfo=timezone.utc), WEEK).subject
    result = send(cli, config_path)
    assert result.exit_code == 0, result.output
    assert f"{WEEK}: sent 5 of 5" in result.output
    assert copies(srv) == Counter({p: 1 for p in PEOPLE})
    assert len({r.peer for r in srv.handler.received}) == 1  # one connection for the whole list

    ids = set()
    for received in srv.handler.received:
        (address,) = received.rcpt_tos
        assert received.mail_from == "digest@allforces.example.com"
        msg = received.message
        assert msg["From"].addresses[0].display_name == "ALLFORCES編集部"
        assert msg["To"].addresses[0].addr_spec == address
        assert msg["Subject"] == subject and "週刊ダイジェスト" in subject
        assert "=?utf-8?" in received.data.split(b"\r\n\r\n")[0].decode().lower()  # RFC 2047 on the wire
        assert email.utils.parsedate_to_datetime(msg["Date"]) == datetime(2025, 12, 22, tzinfo=timezone.utc)
        ids.add(msg["Message-ID"])
        own = config.digest.unsubscribe_url.replace("{email}", quote(address, safe=""))
        assert msg["List-Unsubscribe"].strip() == f"<{own}>"  # may be folded after the colon
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg.get_content_type() == "multipart/alternative"
        parts = list(msg.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        text, html = parts[0].get_content(), parts[1].get_content()
        assert own in text and own.replace("&", "&amp;") in html
        others = [p for p in PEOPLE if p != address]
        assert not any(quote(o, safe="") in text + html for o in others)
        assert "Meta Llama 4" in html
    assert len(ids) == 5

    state = read_ledger(config.state_dir, WEEK)
    assert state.sent == set(PEOPLE)
    assert config.state_dir in ledger_path(config.state_dir, WEEK).parents
    assert config.output_dir not in ledger_path(config.state_dir, WEEK).parents

    again = send(cli, config_path)
    assert again.exit_code == 0 and "already sent to all 5 recipients; nothing to do" in again.output
    assert copies(srv) == Counter({p: 1 for p in PEOPLE})


def test_refusals_are_reported_a_5xx_is_a_bounce_and_the_next_run_sends_only_what_is_missing(cli, sample_site,
                                                                                                server):
    busy = {"hanako@example.net", "reader@example.jp"}
    handler = Recorder(rcpt=lambda a: "451 4.3.0 Try later" if a in busy else
                       "550 5.1.1 No such user" if a == "ichiro@example.org" else None)
    srv = server(handler)
    config_path = configure(sample_site, srv.port)
    first = send(cli, config_path)
    assert first.exit_code == 1
    assert "sent 2 of 5" in first.output and "1 rejected, 2 to retry" in first.output
    assert "ichiro@example.org: rejected: 550 5.1.1 No such user; marked bounced, not mailed again" in first.output
    # the code once: "451 4.3.0 …", never "451 451 4.3.0 …" (issue 13)
    assert "hanako@example.net: failed (will be retried by the next send): 451 4.3.0 Try later" in first.output
    assert copies(srv) == Counter({"editors@allforces.example.com": 1, "taro.yamada@example.com": 1})

    busy.clear()  # the server has recovered; the unknown user is still unknown, and bounced
    second = send(cli, config_path)
    assert second.exit_code == 0, second.output
    assert "sent 2 of 2 (2 already had it, 0 rejected, 0 to retry)" in second.output
    assert copies(srv) == Counter({p: 1 for p in PEOPLE if p != "ichiro@example.org"})
    assert handler.rcpt_calls["editors@allforces.example.com"] == 1  # never even tried again
    assert handler.rcpt_calls["ichiro@example.org"] == 1  # bounced: not tried again, this week or any other


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.parametrize("count", [8, 250])  # 250: messages built by worker processes (feeder.outbox)
def test_a_run_killed_mid_send_is_resumed_without_duplicates(sample_site, server, count):
    srv = server(Recorder(stall_after=3))
    people = [f"reader{i:03d}@example.com" for i in range(count)]
    config_path = configure(sample_site, srv.port, "\n".join(people) + "\n")
    cmd = [sys.executable, "-m", "feeder.cli", "send", "--config", str(config_path), "--now", NOW, "--week", WEEK]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while len(srv.handler.rcpt_calls) < 4 and time.monotonic() < deadline:  # the 4th message is in flight
        time.sleep(0.02)
    workers = children(proc.pid)
    assert workers or count < 200
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "message builders outlived the sender"
    assert copies(srv) == Counter({p: 1 for p in people[:3]})
    config = load_config(config_path)
    assert read_ledger(config.state_dir, WEEK).sent == set(people[:3])

    srv.handler.stall_after = None
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert f"sent {count - 3} of {count - 3} (3 already had it" in again.stdout
    assert copies(srv) == Counter({p: 1 for p in people})


def test_two_sends_of_one_week_at_once_do_not_both_send(sample_site, server):
    class Slow(Recorder):
        async def handle_DATA(self, server, session, envelope):
            import asyncio

            await asyncio.sleep(0.1)
            return await super().handle_DATA(server, session, envelope)

    srv = server(Slow())
    people = [f"reader{i:02d}@example.com" for i in range(6)]
    config_path = configure(sample_site, srv.port, "\n".join(people) + "\n")
    cmd = [sys.executable, "-m", "feeder.cli", "send", "--config", str(config_path), "--now", NOW, "--week", WEEK]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert copies(srv) == Counter({p: 1 for p in people})
    codes = sorted(p.returncode for p in procs)
    text = "\n".join(o + e for o, e in outputs)
    assert (codes == [0, 1] and "another feeder send of 2025-W50 is still running" in text) \
        or (codes == [0, 0] and "nothing to do" in text)


def test_waiting_for_the_other_send_then_finding_nothing_to_do(sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port, "a@example.com\n")
    config = load_config(config_path)
    from feeder.atomic import locked

    lock = ledger_path(config.state_dir, WEEK).with_suffix(".lock")
    cmd = [sys.executable, "-m", "feeder.cli", "send", "--config", str(config_path), "--now", NOW, "--week", WEEK]
    with locked(lock, 0, "test"):
        busy = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert busy.returncode == 1 and "another feeder send of 2025-W50" in busy.stderr
    assert copies(srv) == Counter()


def test_dry_run_sends_nothing_and_says_what_it_would(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    result = send(cli, config_path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, 2025-W50: would send 5 of 5 recipients (0 already sent)" in result.output
    assert "週刊ダイジェスト" in result.output and "bytes per message" in result.output
    assert srv.handler.received == [] and srv.handler.rcpt_calls == {}
    assert not ledger_path(load_config(config_path).state_dir, WEEK).exists()


def test_a_test_send_goes_to_one_address_and_leaves_the_ledger_alone(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    result = send(cli, config_path, "--to", "Editor <proof@example.com>")
    assert result.exit_code == 0, result.output
    assert "test copy sent to Editor <proof@example.com>" in result.output
    assert copies(srv) == Counter({"proof@example.com": 1})
    assert srv.handler.received[0].message["Subject"].startswith("[TEST] ALLFORCES")
    assert not ledger_path(load_config(config_path).state_dir, WEEK).exists()
    assert send(cli, config_path).exit_code == 0
    assert copies(srv)["proof@example.com"] == 1 and all(copies(srv)[p] == 1 for p in PEOPLE)

    bad = send(cli, config_path, "--to", "not an address")
    assert bad.exit_code == 2 and "--to:" in bad.output


def test_force_sends_everyone_again_with_new_message_ids(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    assert send(cli, config_path).exit_code == 0
    forced = send(cli, config_path, "--force")
    assert forced.exit_code == 0 and "sent 5 of 5" in forced.output
    assert copies(srv) == Counter({p: 2 for p in PEOPLE})
    ids = [r.message["Message-ID"] for r in srv.handler.received]
    assert len(set(ids)) == 10
    assert send(cli, config_path).exit_code == 0 and copies(srv) == Counter({p: 2 for p in PEOPLE})


def test_an_empty_week_sends_nothing(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    result = cli("send", "--config", config_path, "--now", NOW, "--week", "2025-W40")
    assert result.exit_code == 0 and "2025-W40: no posts that week; nothing to send" in result.output
    assert srv.handler.received == []


def test_the_default_week_is_the_last_complete_one(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    result = cli("send", "--config", config_path, "--now", "2025-12-15T00:00:00Z")  # Monday 09:00 Tokyo
    assert result.exit_code == 0 and "2025-W50: sent 5 of 5" in result.output


def test_consecutive_failures_stop_the_run(cli, sample_site, server):
    srv = server(Recorder(rcpt=lambda a: "554 5.7.1 Relay access denied"))
    people = [f"reader{i:02d}@example.com" for i in range(6)]
    config_path = configure(sample_site, srv.port, "\n".join(people) + "\n", max_consecutive_failures=3)
    result = send(cli, config_path)
    assert result.exit_code == 1
    assert "stopped early: 3 consecutive failures" in result.output and "3 not attempted" in result.output
    assert len(srv.handler.rcpt_calls) == 3


def test_invalid_recipient_lines_are_reported_and_the_rest_still_sent(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port, "a@example.com\nnot-an-address\nA@EXAMPLE.COM\nb@example.com\n")
    result = send(cli, config_path, "-v")
    assert result.exit_code == 1
    assert "recipients.txt:2: not an email address" in result.output
    assert "line 3: A@EXAMPLE.COM is a duplicate of line 1" in result.output
    assert copies(srv) == Counter({"a@example.com": 1, "b@example.com": 1})


def test_configuration_errors_exit_2(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    (sample_site / "recipients.txt").unlink()
    result = send(cli, config_path)
    assert result.exit_code == 2 and "digest.recipients:" in result.output and "does not exist" in result.output
    assert cli("send", "--config", config_path, "--week", "2025-W99").exit_code == 2
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    del raw["digest"]["from"]
    config_path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    (sample_site / "recipients.txt").write_text("a@example.com\n")
    result = send(cli, config_path)
    assert result.exit_code == 2 and "digest.from" in result.output
    assert srv.handler.received == []


def test_starttls_and_login_from_the_environment(sample_site, server, tmp_path):
    ca, cert, key = make_certificates(tmp_path)
    srv = server(tls_context=server_context(cert, key), require_starttls=True, auth_required=True,
                 authenticator=credentials("digest-bot", "pa55-w0rd-xyz"))
    config_path = configure(sample_site, srv.port, security="starttls")
    cmd = [sys.executable, "-m", "feeder.cli", "send", "-vv", "--config", str(config_path), "--now", NOW,
           "--week", WEEK]
    env = {**os.environ, "SSL_CERT_FILE": str(ca), "FEEDER_SMTP_USERNAME": "digest-bot",
           "FEEDER_SMTP_PASSWORD": "pa55-w0rd-xyz"}
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert copies(srv) == Counter({p: 1 for p in PEOPLE})
    assert all(r.tls and r.login == b"digest-bot" for r in srv.handler.received)
    assert "pa55-w0rd-xyz" not in ok.stdout + ok.stderr

    env["FEEDER_SMTP_PASSWORD"] = "wrong-secret-123"
    bad = subprocess.run([*cmd, "--force"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "refused the login" in bad.stderr
    assert "wrong-secret-123" not in bad.stdout + bad.stderr and "digest-bot" not in bad.stdout + bad.stderr
    assert len(srv.handler.received) == 5


def test_implicit_tls_send(cli, sample_site, server, tmp_path, monkeypatch):
    ca, cert, key = make_certificates(tmp_path)
    srv = server(ssl_context=server_context(cert, key))
    config_path = configure(sample_site, srv.port, security="ssl")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # how a user trusts a private CA
    result = send(cli, config_path)
    assert result.exit_code == 0, result.output
    assert copies(srv) == Counter({p: 1 for p in PEOPLE})


def test_a_list_without_valid_addresses_says_so(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port, "# nobody yet\n")
    result = send(cli, config_path)
    assert result.exit_code == 0 and "no active subscribers; nothing sent" in result.output
    assert srv.handler.received == []


def test_ctrl_c_stops_cleanly_and_the_next_run_finishes(sample_site, server):
    srv = server(Recorder(stall_after=2))
    people = [f"reader{i}@example.com" for i in range(5)]
    config_path = configure(sample_site, srv.port, "\n".join(people) + "\n")
    cmd = [sys.executable, "-m", "feeder.cli", "send", "--config", str(config_path), "--now", NOW, "--week", WEEK]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(srv.handler.rcpt_calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted: everyone the server accepted so far is in the ledger" in err
    assert "Traceback" not in err
    srv.handler.stall_after = None
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "sent 3 of 3 (2 already had it" in again.stdout
    assert copies(srv) == Counter({p: 1 for p in people})


def test_a_week_that_has_not_ended_is_refused_unless_forced(cli, sample_site, server):
    """Sending W51 on its Tuesday would mark it sent without the posts still to come (exit 2, nothing sent)."""
    srv = server()
    config_path = configure(sample_site, srv.port)
    config = load_config(config_path)
    tuesday = "2025-12-16T00:00:00+09:00"
    for extra in ((), ("--dry-run",)):  # a dry run says what the real send would do: refuse
        result = cli("send", "--config", config_path, "--now", tuesday, "--week", "2025-W51", *extra)
        assert result.exit_code == 2, result.output
        assert ("error: --week 2025-W51: the week is not over until 2025-12-22T00:00:00+09:00" in result.output)
        assert "--force" in result.output and "would send" not in result.output
    assert srv.handler.received == [] and not ledger_path(config.state_dir, "2025-W51").exists()
    assert not (sample_site / "public" / "digests" / "2025-W51.html").exists()

    proof = cli("send", "--config", config_path, "--now", tuesday, "--week", "2025-W51", "--to", "proof@example.com")
    assert proof.exit_code == 0 and "test copy sent to proof@example.com" in proof.output  # proofs stay allowed

    forced = cli("send", "--config", config_path, "--now", tuesday, "--week", "2025-W51", "--force")
    assert forced.exit_code == 0 and "2025-W51: sent 5 of 5" in forced.output


def test_a_week_is_over_the_instant_it_ends(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    early = cli("send", "--config", config_path, "--now", "2025-12-21T23:59:59+09:00", "--week", "2025-W51")
    assert early.exit_code == 2 and srv.handler.received == []
    on_time = cli("send", "--config", config_path, "--now", "2025-12-22T00:00:00+09:00", "--week", "2025-W51")
    assert on_time.exit_code == 0 and "2025-W51: sent 5 of 5" in on_time.output


def test_a_real_send_publishes_the_web_version_it_links_to(cli, sample_site, server):
    """The email's "web version" link must not 404 under cron or `feeder run`, which never run `feeder digest`."""
    srv = server()
    config_path = configure(sample_site, srv.port)
    config = load_config(config_path)
    page = config.output_dir / "digests" / f"{WEEK}.html"
    assert send(cli, config_path, "--dry-run").exit_code == 0
    assert send(cli, config_path, "--to", "proof@example.com").exit_code == 0
    assert not page.exists()  # neither a dry run nor a proof publishes anything

    result = send(cli, config_path, "-v")
    assert result.exit_code == 0, result.output
    assert "web version: " in result.output and page.is_file()
    html = srv.handler.to("hanako@example.net")[0].message.get_body(("html",)).get_content()
    linked = re.search(r'href="([^"]*/digests/[^"]+)"', html)
    relative = linked[1].removeprefix(config.site.url)
    assert relative == f"digests/{WEEK}.html" and (config.output_dir / relative).is_file()

    published = page.read_text(encoding="utf-8")
    assert "Meta Llama 4" in published
    generic = config.digest.unsubscribe_url.replace("{email}", "")
    assert f'href="{generic}"' in published  # the site's unsubscribe page, asking for the address
    assert "%40" not in published and "subscriber" not in published
    assert not any(p in published or quote(p, safe="") in published for p in PEOPLE)
    assert sorted(p.name for p in page.parent.iterdir()) == [f"{WEEK}.html"]  # no .eml or .txt in the web root


def test_week_labels_are_spelled_one_way(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port, "a@example.com\n")
    result = cli("send", "--config", config_path, "--now", NOW, "--week", " 2025-W50 ")
    assert result.exit_code == 0 and "2025-W50: sent 1 of 1" in result.output
    assert read_ledger(load_config(config_path).state_dir, "2025-W50").sent == {"a@example.com"}


def test_a_server_refusing_us_at_ehlo_is_one_error_not_a_rejection_per_recipient(cli, sample_site, server):
    class Blocked(Recorder):
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            return ["554 5.7.1 Client host blocked"]

        async def handle_HELO(self, server, session, envelope, hostname):
            return "554 5.7.1 Client host blocked"

    srv = server(Blocked())
    config_path = configure(sample_site, srv.port)
    result = send(cli, config_path)
    assert result.exit_code == 1
    assert result.output.count("refused the connection (554 5.7.1 Client host blocked)") == 1
    assert "rejected" not in result.output and "stopped early" not in result.output
    assert srv.handler.rcpt_calls == {} and read_ledger(load_config(config_path).state_dir, WEEK).sent == set()


def test_digest_and_send_say_the_same_about_a_missing_sender(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    del raw["digest"]["from"]
    config_path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    said = []
    for args in (("send", "--dry-run", "--week", WEEK), ("send", "--week", WEEK),
                 ("digest", "--week", WEEK, "--out", sample_site / "out")):
        result = cli(*args, "--config", config_path, "--now", NOW)
        assert result.exit_code == 2, result.output
        said.append([line for line in result.output.splitlines() if "digest.from" in line])
    assert said[0] == said[1] == said[2] and len(said[0]) == 1
    assert not (sample_site / "public" / "digests").exists() and srv.handler.received == []


HOSTILE_RECIPIENTS = Path(__file__).parent / "hostile" / "recipients" / "recipients.txt"
HOSTILE_OK = ["ok01@example.com", "ok02@example.com", "ok03@example.com", "ok05@example.com", "ok18@example.com",
              "ok19@example.com", "ok20@example.com"]
HOSTILE_LINES = [4, 6, 7, 8, 10, *range(12, 28), 29]  # the file's hostile lines, counted by its "\n" only


@pytest.mark.parametrize("dry_run", [False, True], ids=["send", "dry-run"])
def test_hostile_recipient_lines_are_reported_by_number_and_the_rest_get_one_copy(cli, sample_site, server, dry_run):
    """Issue 14, rows 2 and 7: header smuggling in an encoded name crashed the email package (nobody after it got
    the digest, on every run, --dry-run too); a comment holding <victim@evil.example> and a lone CR delivered to
    the victim and shifted every line number after them.  Now: one strict rule, each bad line reported as
    recipients.txt:N with N counted by newlines only, exit 1, everyone else sent exactly once."""
    srv = server()
    config_path = configure(sample_site, srv.port, recipients="")
    (sample_site / "recipients.txt").write_bytes(HOSTILE_RECIPIENTS.read_bytes())
    args = ["--dry-run"] if dry_run else []

    result = send(cli, config_path, *args)
    assert result.exit_code == 1, result.output
    reported = re.findall(r"^/\S*/recipients\.txt:(\d+): (.*)$", result.stderr, re.M)
    assert [int(line) for line, _ in reported] == HOSTILE_LINES
    problems = dict((int(line), message) for line, message in reported)
    assert "must be in double quotes" in problems[4]  # row 2 as filed: never reaches the email package
    assert "hides a control character or line break ('\\r')" in problems[6]
    assert "a comment must not hold '<' or '>'" in problems[8]  # row 7: the comment cannot name the address
    assert "line break ('\\r') inside the line" in problems[10]  # row 7: a lone CR ends no line
    assert "an '@' may not be quoted into the local part" in problems[21]
    assert all(len(message) < 300 for message in problems.values())
    if dry_run:
        assert f"would send {len(HOSTILE_OK)} of {len(HOSTILE_OK)} recipients" in result.stdout
        assert srv.handler.received == [] and srv.handler.rcpt_calls == {}
        return
    assert f"sent {len(HOSTILE_OK)} of {len(HOSTILE_OK)}" in result.stdout
    assert copies(srv) == Counter({address: 1 for address in HOSTILE_OK})
    assert not any(b"evil.example" in r.data or any("evil" in a for a in r.rcpt_tos) for r in srv.handler.received)
    assert set(srv.handler.rcpt_calls) == set(HOSTILE_OK)

    again = send(cli, config_path)  # every run reports the same lines and sends nobody twice
    assert again.exit_code == 1
    assert [int(line) for line in re.findall(r"^/\S*/recipients\.txt:(\d+): ", again.stderr, re.M)] == HOSTILE_LINES
    assert f"already sent to all {len(HOSTILE_OK)} recipients" in again.stdout
    assert copies(srv) == Counter({address: 1 for address in HOSTILE_OK})


@pytest.mark.parametrize("to", ["=?utf-8?q?Bank=0D=0ABcc:_x@evil.example?= <evil@example.com>",
                                "a17@example.com # comment <victim17@evil.example>",
                                "me@example.com\rvictim@evil.example"])
def test_a_hostile_test_address_is_a_usage_error(cli, sample_site, server, to):
    srv = server()
    config_path = configure(sample_site, srv.port)
    for args in (["--to", to], ["--to", to, "--dry-run"]):
        result = send(cli, config_path, *args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: --to: ")
    assert srv.handler.rcpt_calls == {}


def test_a_login_over_an_unencrypted_connection_is_a_config_error(cli, sample_site, server, monkeypatch):
    """Issue 14, row 15: with ``smtp.security: none`` and FEEDER_SMTP_USERNAME set, the password went out in
    plain text.  Now nothing connects (exit 2, how to fix it) unless ``smtp.allow_plaintext_auth: true``."""
    calls = []
    check = credentials("digest-bot", "pa55-w0rd-xyz")
    srv = server(authenticator=lambda *args: calls.append(args[3]) or check(*args), auth_require_tls=False)
    config_path = configure(sample_site, srv.port)
    monkeypatch.setenv("FEEDER_SMTP_USERNAME", "digest-bot")
    monkeypatch.setenv("FEEDER_SMTP_PASSWORD", "pa55-w0rd-xyz")
    for args in ([], ["--dry-run"], ["--to", "me@example.com"]):
        refused = send(cli, config_path, *args)
        assert refused.exit_code == 2, refused.output
        assert "error: smtp.security is 'none' and FEEDER_SMTP_USERNAME is set" in refused.stderr
        assert "smtp.allow_plaintext_auth: true" in refused.stderr and "pa55" not in refused.output
    assert cli("run", "--config", config_path, "--now", NOW).exit_code == 2  # at start, not each Monday
    assert calls == [] and srv.handler.received == [] and srv.handler.rcpt_calls == {}

    configure(sample_site, srv.port, allow_plaintext_auth=True)  # the one explicit opt-in
    allowed = send(cli, config_path)
    assert allowed.exit_code == 0, allowed.output
    assert copies(srv) == Counter({p: 1 for p in PEOPLE})
    assert calls == ["LOGIN"] or calls == ["PLAIN"]  # one AUTH, on the one connection
    assert all(r.login == b"digest-bot" for r in srv.handler.received)


@dataclass
class FillsTheDisk(Recorder):
    """Accepts every message; as the *at*-th arrives, something else fills the disk of feeder's state folder."""

    disk: Tmpfs | None = None
    at: int = 0

    async def handle_DATA(self, server, session, envelope):
        if self.disk and len(self.received) + 1 == self.at:
            self.disk.fill()
        return await super().handle_DATA(server, session, envelope)


def test_a_disk_that_fills_during_a_send_stops_it_cleanly_and_nobody_gets_two(cli, sample_site, server, tmpfs):
    """Issue 14 row 5: the journal's line is allocated before each message, so a full disk stops the run between
    two messages, every message sent is in the ledger, and the resume (disk still full, then freed) sends nobody twice.
    """
    disk = tmpfs(sample_site / "state", 1 << 20)
    srv = server(FillsTheDisk(disk=disk, at=10))
    people = [f"reader{i:03d}@example.com" for i in range(100)]
    config_path = configure(sample_site, srv.port, "\n".join(people) + "\n")
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config_path.write_text(yaml.safe_dump({**raw, "state_dir": "state"}, allow_unicode=True), encoding="utf-8")
    state_dir = load_config(config_path).state_dir

    first = send(cli, config_path)
    assert first.exit_code == 1, first.output
    assert "stopped early: cannot record who has the digest: " in first.output
    assert "W50.log: cannot write (No space left on device): the disk is full; free space on it" in first.output
    assert "run feeder send again to resume" in first.output
    sent = read_ledger(state_dir, WEEK).sent
    assert 10 <= len(sent) < 100
    assert copies(srv) == Counter({p: 1 for p in sent})  # every message that went out is in the ledger

    still_full = send(cli, config_path)
    assert still_full.exit_code == 1 and "the disk is full" in still_full.output, still_full.output
    assert copies(srv) == Counter({p: 1 for p in read_ledger(state_dir, WEEK).sent})

    disk.free()
    resumed = send(cli, config_path)
    assert resumed.exit_code == 0, resumed.output
    assert copies(srv) == Counter({p: 1 for p in people})
    assert read_ledger(state_dir, WEEK).sent == set(people)


def test_an_output_folder_that_cannot_be_written_stops_the_send_before_any_message(cli, sample_site, server):
    srv = server()
    config_path = configure(sample_site, srv.port)
    (sample_site / "public").write_text("a file where the web version's folder goes")
    result = send(cli, config_path)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {sample_site / 'public' / 'digests' / WEEK}.html: cannot write (")
    assert f"the file {sample_site / 'public'} is in the way" in line
    assert srv.handler.received == []


def test_a_post_that_crashed_css_inline_is_reported_and_everyone_still_gets_the_rest(sample_site, server):
    """Issue 14, row 1: 12,500 nested <strong> segfaulted css-inline before the first message (and a
    `feeder run` under systemd in a loop). Now the post is left out, named, and the digest goes out.
    Run as processes, so a regression fails this test rather than ending the test run."""
    srv = server()
    config_path = configure(sample_site, srv.port)
    stars = "*" * 25_000 + "x" + "*" * 25_000
    (sample_site / "posts" / "2025-12-09-stars.md").write_text(
        f"---\ntitle: Stars\ndate: 2025-12-09 12:00 +0900\n---\n{stars}\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "feeder.cli", "send", "--config", str(config_path), "--now", NOW, "--week", WEEK]
    for args in (["--dry-run"], []):
        done = subprocess.run(cmd + args, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 1, (done.returncode, done.stderr[-2000:])  # was -11 (SIGSEGV)
        assert "2025-12-09-stars.md: cannot render: the HTML nests deeper than 512 levels" in done.stderr
        assert ("dry run, 2025-W50: would send 5 of 5" if args else "2025-W50: sent 5 of 5") in done.stdout
    assert copies(srv) == Counter({p: 1 for p in PEOPLE})
    body = srv.handler.received[0].message.get_body(("html",)).get_content()
    assert "Meta Llama 4" in body and "Stars" not in body
