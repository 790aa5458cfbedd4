"""``feeder subscribers``: list, add, remove, import, export, show, forget — through the real CLI."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feeder.config import load_config
from feeder.mail.sqlite_store import open_store
from feeder.mail.subscribers import Status

REPO = Path(__file__).resolve().parent.parent
NOW = "2025-12-01T09:00:00Z"


@pytest.fixture
def site(sample_site: Path):
    return sample_site / "config.yaml"


def run(cli, *args):
    return cli("subscribers", *args)


def store_of(config_path: Path):
    return open_store(load_config(config_path).state_dir)


def test_import_a_recipients_file_then_list_and_count(cli, site, tmp_path):
    listing = tmp_path / "recipients.txt"
    listing.write_text("# the old list\nAnn Lee <ann@example.com>\nbob@example.com  # a comment\nnot-an-address\n"
                       "BOB@example.com\n", encoding="utf-8")
    result = run(cli, "import", listing, "--config", site, "--now", NOW)
    assert result.exit_code == 1  # two lines could not be used; the rest is imported
    assert "added 2, kept 0" in result.output
    assert f"{listing}:4: not an email address" in result.output
    assert f"{listing}:5: BOB@example.com is a duplicate of line 3" in result.output
    listed = run(cli, "list", "--config", site)
    assert listed.output.splitlines() == ["ann@example.com\tactive\tAnn Lee", "bob@example.com\tactive\t"]
    counted = run(cli, "list", "--count", "--config", site)
    assert "active\t2" in counted.output.splitlines()


def test_import_after_unsubscribe_stays_unsubscribed(cli, site, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("ann@example.com\nbob@example.com\n", encoding="utf-8")
    run(cli, "import", listing, "--config", site)
    assert run(cli, "remove", "ann@example.com", "--config", site).exit_code == 0
    again = run(cli, "import", listing, "--config", site, "-v")
    assert again.exit_code == 0
    assert "kept 1" in again.output and "refused 1" in again.output
    assert f"{listing}:1: ann@example.com refused: unsubscribed: an import never re-activates" in again.output
    assert run(cli, "list", "--status", "active", "--config", site).output == "bob@example.com\tactive\t\n"
    refused = run(cli, "add", "ann@example.com", "--config", site)
    assert refused.exit_code == 1 and "not re-activated" in refused.output
    back = run(cli, "add", "ann@example.com", "--reactivate", "--consent", "asked again by email", "--config", site)
    assert back.exit_code == 0 and "ann@example.com: active" in back.output


def test_forget_then_import_is_refused_and_nothing_of_the_person_is_left(cli, site, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("Secret Person <secret@example.com>\n", encoding="utf-8")
    run(cli, "import", listing, "--config", site)
    result = run(cli, "forget", "secret@example.com", "--config", site)
    assert result.exit_code == 0 and "erased" in result.output
    again = run(cli, "import", listing, "--config", site, "-v")
    assert "forgotten at the person's request" in again.output and "added 0" in again.output
    shown = run(cli, "show", "secret@example.com", "--config", site)
    assert shown.exit_code == 1 and "(forgotten)" in shown.output
    assert "secret" not in run(cli, "export", "--config", site).output


def test_export_then_import_keeps_status_and_consent(cli, site, sample_site, tmp_path):
    from datetime import datetime, timezone

    from feeder.mail.subscribers import Consent

    store = store_of(site)
    t = datetime(2025, 11, 30, 8, 0, tzinfo=timezone.utc)
    person = store.subscribe("ann@example.com", "Ann, \"the\" Reader", now=t,
                             consent=Consent(t, "192.0.2.1", "Mozilla/5.0", "https://x.example/join", "Yes, weekly"))
    store.confirm(person.id, t)
    store.add("-dash@example.com", "=HYPERLINK(1)", now=t)
    store.mark(store.add("gone@example.com", now=t).id, Status.BOUNCED, t)
    store.close()
    out = tmp_path / "list.csv"
    result = run(cli, "export", "--out", out, "--config", site)
    assert result.exit_code == 0 and "3 subscribers" in result.output
    assert out.stat().st_mode & 0o777 == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0]["consent_ip"] == "192.0.2.1" and rows[0]["name"] == 'Ann, "the" Reader'
    assert rows[1]["name"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet

    other = sample_site / "other"
    other.mkdir()
    (other / "config.yaml").write_text(site.read_text(encoding="utf-8"), encoding="utf-8")
    (other / "posts").mkdir()
    imported = run(cli, "import", out, "--config", other / "config.yaml")
    assert imported.exit_code == 0, imported.output
    assert "added 3" in imported.output
    copy = store_of(other / "config.yaml")
    ann = copy.get("ann@example.com")
    assert (ann.status, ann.name, ann.consent.ip, ann.consent.text, ann.consent.at) == \
        (Status.ACTIVE, 'Ann, "the" Reader', "192.0.2.1", "Yes, weekly", t)
    assert copy.get("-dash@example.com").name == "=HYPERLINK(1)"
    assert copy.get("gone@example.com").status == Status.BOUNCED
    copy.close()


def test_a_csv_without_an_address_column_is_a_usage_error(cli, site, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("mail,name\na@example.com,A\n", encoding="utf-8")
    result = run(cli, "import", bad, "--config", site)
    assert result.exit_code == 2 and "needs a header row with an 'address'" in result.output
    rows = tmp_path / "rows.csv"
    rows.write_text("address,status,colour\na@example.com,active,red\nb@example.com,maybe,blue\n,active,\n",
                    encoding="utf-8")
    result = run(cli, "import", rows, "--config", site)
    assert result.exit_code == 1
    assert f"{rows}:1: columns ignored: 'colour'" in result.output
    assert f"{rows}:3: status 'maybe'" in result.output and f"{rows}:4: no address" in result.output
    assert "added 1" in result.output


def test_show_prints_consent_and_history(cli, site):
    run(cli, "add", "Ann <ann@example.com>", "--consent", "signed up on paper", "--config", site, "--now", NOW)
    run(cli, "remove", "ann@example.com", "--config", site, "--now", "2025-12-02T09:00:00Z")
    shown = run(cli, "show", "ann@example.com", "--config", site)
    assert shown.exit_code == 0
    lines = shown.output.splitlines()
    assert lines[0].startswith("ann@example.com\tunsubscribed\tname: Ann\tsource: cli")
    assert "text: signed up on paper" in lines[1]
    assert lines[2].split("\t")[1] == "added" and lines[3].split("\t")[1:] == ["unsubscribed",
                                                                               "feeder subscribers remove"]


def test_remove_of_an_unknown_address_says_so(cli, site):
    result = run(cli, "remove", "nobody@example.com", "--config", site)
    assert result.exit_code == 1 and "nobody@example.com: not on the list" in result.output


def test_sigkill_during_an_import_commits_all_or_nothing(site, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("".join(f"user{i}@example.com\n" for i in range(60_000)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "feeder.cli", "subscribers", "import", str(big), "--config", str(site)]
    seen = set()
    for delay in (0.3, 0.8, 1.5, 2.5):
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        store = store_of(site)
        total = sum(store.counts().values())
        events = sum(len(store.events(s.id)) for s in store.iterate()) if total else 0
        store.close()
        assert total in (0, 60_000) and events == total  # one transaction: never part of it, never a subscriber
        seen.add(total)                                    # without its history
        if total:
            break
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    store = store_of(site)
    assert store.counts()[Status.ACTIVE] == 60_000
    store.close()
