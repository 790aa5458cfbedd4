"""`feeder publish` and `feeder check`: atomic, locked, quiet, strict, deterministic."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feeder import atomic
from feeder.atomic import locked, write_atomic, write_if_changed
from feeder.config import load_config
from feeder.errors import LockedError, StorageError
from feeder.feeds.publish import publish
from feeder.posts import load as load_module

NOW = "2025-12-20T00:00:00Z"
GOLDEN = Path(__file__).parent / "golden"


def outputs(root: Path) -> dict[str, bytes]:
    """Every file under public/ (feeds, and whatever else the config asks for), by relative path."""
    public = root / "public"
    return {p.relative_to(public).as_posix(): p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()}


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    public = root / "public"
    return {p.relative_to(public).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(public.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# ---- atomic writes ------------------------------------------------------------

def test_write_atomic_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "feed.xml"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["feed.xml"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_crash_during_the_write_keeps_the_previous_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "feed.xml"
    write_atomic(target, b"previous")

    def crash(src, dst):
        assert Path(src).read_bytes() == b"x" * 100_000  # the new bytes were complete in the temp file
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(StorageError, match=r"feed.xml: cannot write \(No space left on device\): the disk is full"):
        write_atomic(target, b"x" * 100_000)
    assert target.read_bytes() == b"previous"
    assert leftovers(tmp_path) == []


def test_a_crash_during_publish_keeps_the_previous_feeds(sample_site: Path, cli, monkeypatch) -> None:
    assert cli("publish", "--config", sample_site / "config.yaml", "--now", NOW).exit_code == 0
    before = outputs(sample_site)
    (sample_site / "posts" / "2025-12-19-new.md").write_text("---\ntitle: New\n---\nNew post.\n", encoding="utf-8")
    config = load_config(sample_site / "config.yaml")

    def crash(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(StorageError, match="Input/output error"):
        publish(config, datetime(2025, 12, 20, tzinfo=timezone.utc))
    monkeypatch.undo()
    assert outputs(sample_site) == before
    assert leftovers(sample_site / "public") == []
    # and the next run, with the disk healthy again, publishes the new post
    result = cli("publish", "--config", sample_site / "config.yaml", "--now", NOW)
    assert result.exit_code == 0
    assert b"<title>New</title>" in (sample_site / "public" / "feed.xml").read_bytes()


def test_write_if_changed_does_not_touch_identical_files(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    assert write_if_changed(target, b"same") is True
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    assert write_if_changed(target, b"same") is False
    assert target.stat().st_mtime_ns == 1_000_000_000
    assert write_if_changed(target, b"diff") is True and target.read_bytes() == b"diff"


def test_only_feeders_own_temp_files_of_its_own_outputs_are_swept(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = {".feed.xml.abcd_123.tmp",  # an earlier version's name: no process id
            f".feed.xml.{dead.pid}.k2x9q0za.tmp"}  # a process that is gone
    others = {f".feed.xml.{os.getpid()}.k2x9q0za.tmp",  # a live writer (this process)
              ".notes.txt.abcd_123.tmp",  # not a file feeder writes here
              ".feed.xml.tmp", "feed.xml.abcd_123.tmp", ".feed.xml.ABCD1234.tmp", "draft.tmp"}  # not the pattern
    for name in mine | others:
        (tmp_path / name).write_text("x")
    removed = atomic.sweep_temps(tmp_path, ["feed.xml", "atom.xml"])
    assert sorted(p.name for p in removed) == sorted(mine)
    assert {p.name for p in tmp_path.iterdir()} == others
    assert atomic.sweep_temps(tmp_path / "missing", ["feed.xml"]) == []


# ---- the lock -----------------------------------------------------------------

def test_second_publish_waits_then_fails_clearly(sample_site: Path, sample_config, cli) -> None:
    with locked(sample_config.state_dir / "publish.lock", 0, "test"):
        started = time.monotonic()
        result = cli("publish", "--config", sample_site / "config.yaml", "--now", NOW, "--wait", "0.2")
        waited = time.monotonic() - started
    assert result.exit_code == 1
    assert "another feeder publish is still running after 0.2s" in result.stderr
    assert "raise --wait" in result.stderr
    assert waited >= 0.2
    assert not (sample_site / "public").exists()
    assert cli("publish", "--config", sample_site / "config.yaml", "--now", NOW).exit_code == 0  # lock released


def test_lock_is_exclusive_and_bounded(tmp_path: Path) -> None:
    lock = tmp_path / "state" / "x.lock"
    with locked(lock, 0, "job"):
        with pytest.raises(LockedError, match="another feeder job is still running"):
            with locked(lock, 0.1, "job"):
                pass
    with locked(lock, 0, "job"):  # free again
        pass


def test_concurrent_publishes_all_succeed_with_identical_output(sample_site: Path) -> None:
    feeder = [sys.executable, "-c", "from feeder.cli import main; main()"]
    runs = [subprocess.Popen([*feeder, "publish", "--config", str(sample_site / "config.yaml"), "--now", NOW],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    results = [(run.wait(timeout=60), run.stderr.read()) for run in runs]
    assert all(code == 0 for code, _ in results), results
    produced = outputs(sample_site)
    assert produced["atom.xml"] == (GOLDEN / "atom.xml").read_bytes()
    assert produced["feed.xml"] == (GOLDEN / "feed.xml").read_bytes()
    assert leftovers(sample_site / "public") == []


# ---- what it prints and its exit codes -------------------------------------------

def test_quiet_on_success_one_line_then_nothing(sample_site: Path, cli) -> None:
    first = cli("publish", "--config", sample_site / "config.yaml", "--now", NOW)
    assert first.exit_code == 0 and first.stderr == ""
    assert first.stdout.count("\n") == 1
    assert first.stdout.startswith("published 7 posts: ")
    again = cli("publish", "--config", sample_site / "config.yaml", "--now", NOW)
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")


def test_q_prints_nothing_and_v_prints_detail(sample_site: Path, cli) -> None:
    quiet = cli("publish", "--config", sample_site / "config.yaml", "--now", NOW, "-q")
    assert (quiet.exit_code, quiet.output) == (0, "")
    assert (sample_site / "public" / "feed.xml").is_file()
    (sample_site / "public" / "feed.xml").unlink()
    verbose = cli("publish", "--config", sample_site / "config.yaml", "--now", NOW, "-v")
    assert verbose.exit_code == 0
    assert "7 published, 2 drafts, 0 scheduled, 0 invalid" in verbose.stdout
    assert "published 7 posts" in verbose.stdout
    unchanged = cli("publish", "--config", sample_site / "config.yaml", "--now", NOW, "-v")
    assert "nothing changed" in unchanged.stdout


def test_invalid_posts_exit_1_with_path_and_line_and_the_feeds_still_written(site, cli, read_feed) -> None:
    site.post("2025-01-01-good.md", "title: Good")
    site.post("2025-01-02-bad.md", raw=b"---\ntitle: Bad\ndate: 2025-01-02\ntags: [a\n---\n")
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW, "-q")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{site.posts / '2025-01-02-bad.md'}:")
    assert "invalid YAML" in result.stderr
    assert [e.title for e in read_feed(site.root / "public" / "atom.xml").entries] == ["Good"]


def test_paths_are_shown_relative_to_the_working_directory(site, cli, monkeypatch) -> None:
    site.post("2025-01-02-bad.md", raw=b"no front matter\n")
    monkeypatch.chdir(site.root)
    result = cli("publish", "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == \
        "posts/2025-01-02-bad.md:1: no front matter: a post must start with a '---' line, then YAML, then '---'"


def test_strict_writes_nothing_and_exits_1(site, cli) -> None:
    site.post("2025-01-01-good.md", "title: Good")
    assert cli("publish", "--config", site.root / "config.yaml", "--now", NOW).exit_code == 0
    before = snapshot(site.root)
    site.post("2025-01-02-new.md", "title: New")
    site.post("2025-01-03-bad.md", raw=b"---\ndate: someday\n---\n")
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW, "--strict")
    assert result.exit_code == 1
    assert "2025-01-03-bad.md:2: date: cannot read 'someday'" in result.stderr
    assert "--strict wrote nothing" in result.stderr
    after = snapshot(site.root)
    assert after == before


def test_strict_on_a_fresh_site_creates_no_output(site, cli) -> None:
    site.post("2025-01-03-bad.md", raw=b"")
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW, "--strict")
    assert result.exit_code == 1
    assert not (site.root / "public").exists()


def test_check_writes_nothing(sample_site: Path, cli) -> None:
    (sample_site / "posts" / "2025-12-19-bad.md").write_bytes("---\ntitle: café\n---\n".encode("latin-1"))
    before = sorted(p.relative_to(sample_site) for p in sample_site.rglob("*"))
    result = cli("check", "--config", sample_site / "config.yaml", "--now", NOW)
    assert result.exit_code == 1
    assert "2025-12-19-bad.md:2: not valid UTF-8" in result.stderr
    assert "7 published, 2 drafts, 0 scheduled, 1 invalid" in result.stdout
    assert sorted(p.relative_to(sample_site) for p in sample_site.rglob("*")) == before
    (sample_site / "posts" / "2025-12-19-bad.md").unlink()
    ok = cli("check", "--config", sample_site / "config.yaml", "--now", NOW)
    assert ok.exit_code == 0 and ok.stderr == ""


def test_bad_now_is_a_usage_error(sample_site: Path, cli) -> None:
    result = cli("publish", "--config", sample_site / "config.yaml", "--now", "2025-12-20")
    assert result.exit_code == 2
    assert "--now needs" in result.stderr
    assert not (sample_site / "public").exists()


# ---- determinism --------------------------------------------------------------

def test_output_ignores_mtimes_and_is_not_rewritten(sample_site: Path, cli) -> None:
    assert cli("publish", "--config", sample_site / "config.yaml", "--now", NOW).exit_code == 0
    before = snapshot(sample_site)
    rng = random.Random(7)
    for post in (sample_site / "posts").rglob("*.md"):
        stamp = rng.randrange(10**9, 2 * 10**9) * 10**9
        os.utime(post, ns=(stamp, stamp))
    result = cli("publish", "--config", sample_site / "config.yaml", "--now", NOW, "-v")
    assert result.exit_code == 0
    assert "nothing changed" in result.stdout
    after = snapshot(sample_site)
    assert after == before


def test_output_ignores_the_order_files_were_created_in(sample_site: Path, tmp_path: Path, cli) -> None:
    scrambled = tmp_path / "scrambled"
    scrambled.mkdir()
    shutil.copy(sample_site / "config.yaml", scrambled / "config.yaml")
    files = sorted((sample_site / "posts").rglob("*.md"))
    random.Random(3).shuffle(files)
    for source in files:  # a new directory order and new inode numbers
        target = scrambled / source.relative_to(sample_site)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    for root in (sample_site, scrambled):
        assert cli("publish", "--config", root / "config.yaml", "--now", NOW).exit_code == 0
    assert outputs(sample_site) == outputs(scrambled)


def test_future_posts_appear_only_once_now_passes_them(site, cli, read_feed) -> None:
    site.post("2025-12-01-past.md", "title: Past")
    site.post("2025-12-24-future.md", "title: Future\ndate: 2025-12-24 09:00:00 +0900")
    atom = site.root / "public" / "atom.xml"
    for now, titles in [("2025-12-20T00:00:00Z", ["Past"]),
                        ("2025-12-23T23:59:59Z", ["Past"]),
                        ("2025-12-24T00:00:00Z", ["Future", "Past"])]:
        result = cli("publish", "--config", site.root / "config.yaml", "--now", now, "-v")
        assert result.exit_code == 0
        assert [e.title for e in read_feed(atom).entries] == titles, now
    assert "2 published, 0 drafts, 0 scheduled" in result.stdout


def test_feed_paths_are_configurable_and_a_feed_can_be_switched_off(site, cli, read_feed) -> None:
    site.write_config("feeds:\n  rss: feeds/all.rss\n  atom: false\n")
    site.post("2025-01-01-a.md", "title: A")
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW)
    assert result.exit_code == 0
    assert sorted(p.relative_to(site.root / "public").as_posix() for p in (site.root / "public").rglob("*")) == \
        ["feeds", "feeds/all.rss"]
    feed = read_feed(site.root / "public" / "feeds" / "all.rss")
    assert {link.rel: link.href for link in feed.feed.links} == \
        {"self": "https://example.com/blog/feeds/all.rss", "alternate": "https://example.com/blog/"}


def test_a_post_whose_body_cannot_be_read_is_left_out_of_every_output(site, cli, read_feed) -> None:
    """Bad bytes after the front matter only show when the body is read: the post is reported, and
    every feed and archive page is built as if it did not exist, until it is fixed."""
    site.write_config("feeds:\n  archive: true\n  archive_size: 2\n  max_items: 1\n  tags: true\n")
    for n in range(1, 6):
        site.post(f"2025-01-0{n}-p{n}.md", f"title: post {n}\ntags: [t]")
    bad = site.post("2025-01-03-p3.md", raw=b"---\ntitle: post 3\ntags: [t]\n---\nbad \xff byte\n")
    config = site.root / "config.yaml"
    result = cli("publish", "--config", config, "--now", NOW)
    assert result.exit_code == 1 and "2025-01-03-p3.md" in result.stderr and "UTF-8" in result.stderr
    public = site.root / "public"
    titles = [e.title for name in ("atom.xml", "archive/atom-1.xml", "archive/atom-2.xml")
              for e in read_feed(public / name).entries]
    assert sorted(set(titles)) == ["post 1", "post 2", "post 4", "post 5"]  # the feed may repeat a page's newest
    assert [e.title for e in read_feed(public / "tags" / "t" / "atom.xml").entries] == ["post 5"]
    strict = cli("publish", "--config", config, "--now", NOW, "--strict")
    assert strict.exit_code == 1
    bad.write_text("---\ntitle: post 3\ntags: [t]\n---\nfixed\n", encoding="utf-8")
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    titles = [e.title for name in ("atom.xml", "archive/atom-1.xml", "archive/atom-2.xml")
              for e in read_feed(public / name).entries]
    assert sorted(set(titles)) == ["post 1", "post 2", "post 3", "post 4", "post 5"]


def test_each_post_an_output_needs_is_read_once(sample_site: Path, sample_config, monkeypatch) -> None:
    """A publish whose post rows are cached reads each post of a stale output once: to parse it,
    check it and render it (it used to read it three times and parse it twice)."""
    now = datetime(2025, 12, 20, tzinfo=timezone.utc)
    publish(sample_config, now)
    for path in (sample_site / "public").rglob("*.xml"):
        path.unlink()  # every feed is stale; the post rows are all in the cache
    reads: list[str] = []
    real = load_module.read_post

    def counting(posts_dir: Path, path: str, limit: int | None = None) -> bytes:
        reads.append(path)
        return real(posts_dir, path, limit)

    monkeypatch.setattr(load_module, "read_post", counting)
    result = publish(sample_config, now)
    assert result.written and not result.problems
    assert sorted(reads) == sorted(set(reads)) and len(reads) == result.published


# ---- a run killed while writing (issue 14 row 13) ------------------------------

KILLPOINT = Path(__file__).parent / "killpoint.py"


def temp_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.tmp"))


@pytest.mark.parametrize("name", ["feed.xml", "index.json", "outputs.json"])
def test_a_run_killed_between_writing_and_renaming_leaves_nothing_after_the_next_run(sample_site: Path, name,
                                                                                      tmp_path_factory) -> None:
    """SIGKILL between writing a temp file and renaming it: the next run removes it (rsync would publish it)."""
    cmd = ["publish", "--config", str(sample_site / "config.yaml"), "--now", NOW]
    killed = subprocess.run([sys.executable, KILLPOINT, f"replace:{name}", *cmd], capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert any(Path(p).name.startswith(f".{name}.") for p in temp_files(sample_site))  # what the kill left
    clean = subprocess.run([sys.executable, "-m", "feeder.cli", *cmd], capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stderr
    assert temp_files(sample_site) == []
    reference = tmp_path_factory.mktemp("reference")
    shutil.copy(sample_site / "config.yaml", reference)
    shutil.copytree(sample_site / "posts", reference / "posts")
    shutil.copytree(sample_site / "templates", reference / "templates")
    assert subprocess.run([sys.executable, "-m", "feeder.cli", "publish", "--config", str(reference / "config.yaml"),
                           "--now", NOW], capture_output=True, timeout=120).returncode == 0
    assert outputs(sample_site) == outputs(reference)


# ---- a full, read-only or misplaced output or state folder (issue 14 row 17) ---

def small_site(site, **folders: str) -> Path:
    site.write_config("feeds:\n  json: feed.json\n  tags: true\n"
                      + "".join(f"{key}: {value}\n" for key, value in folders.items()))
    for n in range(1, 4):
        site.post(f"2025-01-0{n}-post-{n}.md", f"title: Post {n}\ntags: [t{n}, shared]")
    return site.root / "config.yaml"


def public_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".filler"}


@pytest.mark.parametrize("folder", ["public", "state"])
def test_a_full_output_or_state_disk_is_one_clear_error_and_the_feeds_stay_whole(site, cli, tmpfs, folder) -> None:
    disk = tmpfs(site.root / folder, 512 * 1024)
    config = small_site(site, output_dir="public", state_dir="state")
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    before = public_files(site.root / "public")
    site.post("2025-01-04-new.md", "title: New\ntags: [t4, shared]", body="x" * 20_000)
    disk.fill()

    result = cli("publish", "--config", config, "--now", NOW)
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {site.root / folder}/")
    assert re.search(r": cannot write \((No space left on device|database or disk is full)\): the disk is full; "
                     "free space on it and run again$", line)
    assert "rollback" not in line and "Traceback" not in result.output
    assert public_files(site.root / "public") == before  # every feed whole: the old version
    assert temp_files(site.root) == []

    disk.free()
    again = cli("publish", "--config", config, "--now", NOW)
    assert again.exit_code == 0, again.output
    assert b"<title>New</title>" in (site.root / "public" / "feed.xml").read_bytes()
    assert temp_files(site.root) == []


def test_a_read_only_output_folder_is_an_error_of_the_setup(site, cli, tmpfs) -> None:
    disk = tmpfs(site.root / "public", 64 * 1024)
    subprocess.run(["mount", "-o", "remount,ro", str(disk.path)], check=True)
    config = small_site(site)
    result = cli("publish", "--config", config, "--now", NOW)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert f"{site.root / 'public'}/" in line and "cannot write (Read-only file system)" in line
    assert f"make {site.root / 'public'} writable for this user, or point the config at a folder that is" in line


@pytest.mark.parametrize("folder", ["public", ".feeder"])
def test_a_file_where_the_output_or_state_folder_should_be_is_an_error_of_the_setup(site, cli, folder) -> None:
    config = small_site(site)
    (site.root / folder).write_text("not a folder")
    result = cli("publish", "--config", config, "--now", NOW)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {site.root / folder}/") and "cannot write (" in line
    assert f"the file {site.root / folder} is in the way; move it, or point the config at another folder" in line
    assert (site.root / folder).read_text() == "not a folder"


def test_a_large_first_publish_holds_a_bounded_number_of_posts_and_writes_the_same(sample_site: Path, sample_config,
                                                                                    monkeypatch) -> None:
    """Beyond feeds.build._KEPT_READ posts, a publish keeps each post without its body between planning and
    rendering (and reads those files again): the outputs are byte for byte those of a publish that kept all."""
    from feeder.feeds import build

    now = datetime(2025, 12, 20, tzinfo=timezone.utc)
    publish(sample_config, now)
    expected = outputs(sample_site)
    shutil.rmtree(sample_site / "public")
    shutil.rmtree(sample_config.state_dir)
    monkeypatch.setattr(build, "_KEPT_READ", 2)
    result = publish(sample_config, now)
    assert not result.problems and outputs(sample_site) == expected
