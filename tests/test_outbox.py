"""Messages built in worker processes are the same bytes, in the same order, as built in-process."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone
from itertools import islice

from feeder.digest.issue import build_issue
from feeder.digest.message import build_message
from feeder.mail.outbox import CHUNK, WINDOW, Job, message_id, messages
from feeder.mail.recipients import Recipient

NOW = datetime(2025, 12, 22, tzinfo=timezone.utc)


def job_for(config, round_=0) -> Job:
    issue = build_issue(config, NOW, "2025-W50")
    assert issue is not None
    return Job(config, issue, NOW, "2025-W50", round_, "digest@allforces.example.com", build_message)


def test_parallel_build_matches_in_process_in_order(sample_config):
    job = job_for(sample_config)
    people = [Recipient(f"reader{i:03d}@example.com", f"Reader {i}") for i in range(CHUNK * WINDOW + 5)]
    here = list(messages(job, people, workers=1))
    there = list(messages(job, people, workers=2))
    assert [r for r, _, _ in there] == people
    assert here == there
    recipient, mid, data = there[-1]
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["Message-ID"] == mid and parsed["To"].addresses[0].addr_spec == recipient.address
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # SMTP line ends throughout


def test_closing_the_outbox_early_stops_the_workers(sample_config):
    job = job_for(sample_config)
    people = [Recipient(f"reader{i:04d}@example.com") for i in range(2000)]
    outbox = messages(job, people, workers=2)
    first = list(islice(outbox, 3))
    outbox.close()
    assert [r.address for r, _, _ in first] == [p.address for p in people[:3]]


def test_forced_rounds_get_fresh_message_ids(sample_config):
    r = Recipient("a@example.com")
    assert message_id("2025-W50", 0, r, "x@allforces.example.com") is None
    first, second = (message_id("2025-W50", n, r, "x@allforces.example.com") for n in (1, 2))
    assert first != second and first.endswith("@allforces.example.com>")
    (_, mid, _), = messages(job_for(sample_config, round_=1), [r], workers=1)
    assert mid == message_id("2025-W50", 1, r, "digest@allforces.example.com")
