"""The code's fingerprint: new code (a git pull, an upgraded library) means nothing kept is trusted."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from feeder import toolchain
from feeder.feeds.publish import publish


def test_the_fingerprint_changes_when_a_file_of_feeder_changes() -> None:
    compute = toolchain.fingerprint.__wrapped__
    before = compute()
    assert compute() == before  # stable while nothing changes
    target = Path(toolchain.__file__)
    st = target.stat()
    try:
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # as an edit or a git pull would
        assert compute() != before
    finally:
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert compute() == before


def test_after_new_code_a_publish_parses_and_plans_everything_again(site, monkeypatch) -> None:
    """Neither the post cache nor the 'nothing changed' record of the old code is trusted."""
    site.write_config("feeds:\n  max_items: 2\n")
    for n in range(1, 4):
        site.post(f"2025-12-0{n}-p{n}.md", f"title: Post {n}")
    now = datetime(2025, 12, 20, tzinfo=timezone.utc)
    publish(site.config, now)
    assert publish(site.config, now).parsed == 0
    monkeypatch.setattr(toolchain, "fingerprint", lambda: "the next release")
    again = publish(site.config, now)
    assert again.parsed == 3 and not again.skipped and again.written == []  # same bytes: nothing rewritten
