"""The subscriber store (SQLite): statuses, consent, history, suppression, forget, weeks, and crash safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feeder.errors import SubscriberError
from feeder.mail.sqlite_store import FILENAME, SqliteStore, open_store
from feeder.mail.subscribers import SUPPRESSED, Candidate, Consent, Source, Status, SubscriberStore

NOW = datetime(2025, 12, 1, 9, 0, tzinfo=timezone.utc)
CONSENT = Consent(NOW, "192.0.2.7", "Mozilla/5.0", "https://example.com/join/", "Yes, send me the weekly digest")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    opened = open_store(tmp_path)
    yield opened
    opened.close()


def test_the_sqlite_store_is_a_subscriber_store(store: SqliteStore) -> None:
    typed: SubscriberStore = store  # mypy checks the Protocol; this checks every method exists
    assert all(callable(getattr(typed, name)) for name in SubscriberStore.__dict__ if not name.startswith("_"))


def test_double_opt_in_keeps_the_consent_and_the_history(store: SqliteStore) -> None:
    pending = store.subscribe("Ann@Example.COM", "Ann Lee", now=NOW, consent=CONSENT)
    assert (pending.status, pending.source, pending.name, pending.consent) == \
        (Status.PENDING, Source.FORM, "Ann Lee", CONSENT)
    assert store.get("ann@example.com") == store.get_by_id(pending.id) == pending  # case-insensitive
    later = NOW + timedelta(hours=2)
    active = store.confirm(pending.id, later)
    assert active is not None and active.status == Status.ACTIVE and active.updated == later
    assert active.created == NOW and active.address == "Ann@Example.COM"
    assert [(e.kind, e.at) for e in store.events(pending.id)] == [("subscribed", NOW), ("confirmed", later)]


def test_subscribing_again_never_downgrades_and_probing_changes_nothing(store: SqliteStore) -> None:
    first = store.subscribe("a@example.com", "", now=NOW, consent=CONSENT)
    store.confirm(first.id, NOW)
    again = store.subscribe("a@example.com", "", now=NOW + timedelta(days=1), consent=CONSENT)
    assert again.status == Status.ACTIVE and again.id == first.id


def test_unsubscribe_is_idempotent_and_an_old_confirm_link_does_not_undo_it(store: SqliteStore) -> None:
    person = store.subscribe("a@example.com", "", now=NOW, consent=CONSENT)
    store.confirm(person.id, NOW)
    for _ in range(3):
        assert store.unsubscribe(person.id, NOW + timedelta(hours=1), "one-click").status == Status.UNSUBSCRIBED
    assert store.confirm(person.id, NOW + timedelta(hours=2)).status == Status.UNSUBSCRIBED
    assert [e.kind for e in store.events(person.id)] == ["subscribed", "confirmed", "unsubscribed"]
    assert store.unsubscribe(999, NOW) is None


def test_unsubscribe_many_is_unsubscribe_for_each_in_one_transaction(store: SqliteStore) -> None:
    a, b = store.add("a@example.com", now=NOW), store.add("b@example.com", now=NOW)
    store.unsubscribe(b.id, NOW, "earlier")
    later = NOW + timedelta(hours=1)
    done = store.unsubscribe_many([(a.id, later, "one-click"), (b.id, later, "one-click"), (999, later, ""),
                                   (a.id, later, "one-click")])
    assert [s.status if s else None for s in done] == [Status.UNSUBSCRIBED, Status.UNSUBSCRIBED, None,
                                                       Status.UNSUBSCRIBED]
    assert [(e.kind, e.at, e.detail) for e in store.events(a.id)][-1] == ("unsubscribed", later, "one-click")
    assert [e.kind for e in store.events(a.id)].count("unsubscribed") == 1
    assert [e.detail for e in store.events(b.id)] == ["via cli, active", "earlier"]


def test_the_person_may_come_back_through_the_form_but_an_import_may_not(store: SqliteStore) -> None:
    person = store.add("a@example.com", now=NOW)
    store.unsubscribe(person.id, NOW)
    report = store.import_many([Candidate("A@EXAMPLE.com", line=3)], now=NOW)
    assert (report.added, report.refused) == (0, [(3, "A@EXAMPLE.com", "unsubscribed: an import never re-activates")])
    with pytest.raises(SubscriberError, match="not re-activated"):
        store.add("a@example.com", now=NOW)
    assert store.get("a@example.com").status == Status.UNSUBSCRIBED
    back = store.subscribe("a@example.com", "", now=NOW + timedelta(days=3), consent=CONSENT)
    assert back.status == Status.PENDING  # a new confirmation is the new consent
    assert store.add("b@example.com", now=NOW).status == Status.ACTIVE
    store.mark(store.get("b@example.com").id, Status.COMPLAINED, NOW)
    assert store.add("b@example.com", now=NOW, reactivate=True).status == Status.ACTIVE


@pytest.mark.parametrize("status", sorted(SUPPRESSED))
def test_every_suppressed_status_survives_an_import(store: SqliteStore, status: Status) -> None:
    person = store.add("a@example.com", now=NOW)
    store.mark(person.id, status, NOW, "test")
    assert store.is_suppressed("A@example.com")
    report = store.import_many([Candidate("a@example.com")], now=NOW)
    assert report.refused and store.get("a@example.com").status == status


def test_an_import_adds_new_keeps_known_and_carries_suppression_over(store: SqliteStore) -> None:
    store.add("known@example.com", now=NOW)
    store.add("leaving@example.com", now=NOW)
    report = store.import_many([
        Candidate("new@example.com", "New", line=1, consent=CONSENT),
        Candidate("known@example.com", line=2),
        Candidate("leaving@example.com", status=Status.UNSUBSCRIBED, line=3),
        Candidate("gone@example.com", status=Status.BOUNCED, line=4),
        Candidate("not an address", line=5),
        Candidate("NEW@example.com", line=6),
    ], now=NOW)
    assert (report.added, report.kept, report.suppressed) == (2, 1, 1)
    assert [line for line, _ in report.problems] == [5, 6]
    new = store.get("new@example.com")
    assert (new.status, new.source, new.name, new.consent) == (Status.ACTIVE, Source.IMPORT, "New", CONSENT)
    assert store.get("gone@example.com").status == Status.BOUNCED
    assert store.get("leaving@example.com").status == Status.UNSUBSCRIBED
    assert [e.kind for e in store.events(new.id)] == ["imported"]


def test_forget_erases_the_person_and_a_later_import_is_refused(store: SqliteStore, tmp_path: Path) -> None:
    person = store.subscribe("secret.person@example.com", "Secret Name", now=NOW, consent=CONSENT)
    store.confirm(person.id, NOW)
    assert store.forget("Secret.Person@example.com", NOW)
    assert store.get("secret.person@example.com") is None and store.events(person.id) == []
    assert store.is_suppressed("secret.person@example.com") and store.is_forgotten("SECRET.PERSON@EXAMPLE.COM")
    report = store.import_many([Candidate("secret.person@example.com", line=9)], now=NOW)
    assert report.added == 0 and report.refused[0][0] == 9 and "forgotten" in report.refused[0][2]
    with pytest.raises(SubscriberError, match="forgotten"):
        store.add("secret.person@example.com", now=NOW)
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(FILENAME))
    assert b"secret.person" not in raw.lower() and b"Secret Name" not in raw and b"192.0.2.7" not in raw
    again = open_store(tmp_path)  # ids are never reused: an old unsubscribe link names nobody new
    assert again.add("someone@example.com", now=NOW).id > person.id
    again.close()


def test_forget_of_an_unknown_address_still_blocks_it(store: SqliteStore) -> None:
    assert not store.forget("never@example.com", NOW)
    assert store.import_many([Candidate("never@example.com")], now=NOW).refused


def test_soft_bounces_count_once_a_week_and_a_delivery_resets_them(store: SqliteStore) -> None:
    person = store.add("full@example.com", now=NOW)
    store.soft_bounce(person.id, "2025-W48", NOW, limit=3, detail="452 mailbox full")
    store.soft_bounce(person.id, "2025-W48", NOW, limit=3)  # the same week again: still one
    assert store.get_by_id(person.id).soft_bounces == 1
    store.delivered(person.id)
    assert store.get_by_id(person.id).soft_bounces == 0
    for week in ("2025-W49", "2025-W50"):
        assert store.soft_bounce(person.id, week, NOW, limit=3).status == Status.ACTIVE
    bounced = store.soft_bounce(person.id, "2025-W51", NOW, limit=3, detail="452 mailbox full")
    assert bounced.status == Status.BOUNCED
    assert [e.kind for e in store.events(person.id)][-2:] == ["soft-bounce", "bounced"]


def test_iterate_streams_by_status_in_id_order(store: SqliteStore) -> None:
    store.import_many([Candidate(f"u{i}@example.com") for i in range(25)], now=NOW)
    store.mark(store.get("u3@example.com").id, Status.BOUNCED, NOW)
    active = list(store.iterate(Status.ACTIVE, batch=4))
    assert len(active) == 24 and [s.id for s in active] == sorted(s.id for s in active)
    assert [s.address for s in store.iterate(Status.BOUNCED)] == ["u3@example.com"]
    assert len(list(store.iterate(batch=7))) == 25
    assert store.counts()[Status.ACTIVE] == 24


def test_a_week_goes_to_those_active_when_it_is_first_sent(store: SqliteStore) -> None:
    store.import_many([Candidate("a@example.com"), Candidate("b@example.com")], now=NOW)
    assert store.open_week("2025-W49", NOW) and not store.open_week("2025-W49", NOW)
    store.add("late@example.com", now=NOW)
    store.unsubscribe(store.get("b@example.com").id, NOW)
    assert [s.address for s in store.audience("2025-W49")] == ["a@example.com"]
    assert store.unfinished_weeks() == ["2025-W49"]
    store.finish_week("2025-W49", NOW)
    assert store.unfinished_weeks() == []
    assert store.open_week("2025-W49", NOW, again=True)  # --force: the list as it is now
    assert store.audience_size("2025-W49") == 2


def test_the_last_confirmation_time_is_kept(store: SqliteStore) -> None:
    person = store.subscribe("a@example.com", "", now=NOW, consent=CONSENT)
    store.record_confirmation_sent(person.id, NOW + timedelta(minutes=1))
    assert store.get_by_id(person.id).confirmation_sent == NOW + timedelta(minutes=1)


def test_history_is_append_only(store: SqliteStore) -> None:
    person = store.add("a@example.com", now=NOW)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store._db.execute("UPDATE events SET kind = 'x' WHERE subscriber_id = ?", (person.id,))


def test_bad_input_is_a_clear_error(store: SqliteStore, tmp_path: Path) -> None:
    with pytest.raises(SubscriberError, match="not an email address"):
        store.add("nobody", now=NOW)
    with pytest.raises(SubscriberError, match="one line"):
        store.subscribe("a@example.com", "Evil\nBcc: x@example.com", now=NOW, consent=CONSENT)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / FILENAME).write_bytes(b"not a database at all" * 100)
    with pytest.raises(SubscriberError, match="not a usable subscriber database"):
        open_store(tmp_path / "junk")


WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from pathlib import Path
    from feeder.mail.sqlite_store import open_store
    store = open_store(Path(sys.argv[1]))
    now = datetime(2025, 12, 1, tzinfo=timezone.utc)
    for i in range(int(sys.argv[3])):
        person = store.add(f"{sys.argv[2]}{i}@example.com", now=now)
        store.unsubscribe(person.id, now, "test")
        print(person.id, flush=True)  # only after both commits returned
""")


def _writer(state: Path, prefix: str, count: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(state), prefix, str(count)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_writing_at_once_lose_no_event(tmp_path: Path) -> None:
    writers = [_writer(tmp_path, prefix, 150) for prefix in ("a", "b")]
    for writer in writers:
        _out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    store = open_store(tmp_path)
    assert store.counts()[Status.UNSUBSCRIBED] == 300
    assert all([e.kind for e in store.events(s.id)] == ["added", "unsubscribed"] for s in store.iterate())
    store.close()


def test_sigkill_loses_no_committed_write(tmp_path: Path) -> None:
    writer = _writer(tmp_path, "k", 100_000)
    assert writer.stdout is not None
    committed = [writer.stdout.readline() for _ in range(40)]  # it is well under way
    time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    rest, _ = writer.communicate()
    ids = [int(line) for line in committed + rest.splitlines() if line.strip()]
    store = open_store(tmp_path)
    for id_ in ids:
        assert [e.kind for e in store.events(id_)] == ["added", "unsubscribed"]
    store.close()
