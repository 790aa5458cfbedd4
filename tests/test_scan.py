"""Finding post files: odd names, symbolic links and unreadable folders are problems of their path, never of the run.

Issue 14, rows 3 and 8.  Each hostile entry sits next to good posts; each test
runs the real commands and checks the message (path: problem), the exit code,
and that the good posts were still published (and the digest and preview built).
"""

from __future__ import annotations

import errno
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feeder.deadline import deadline
from feeder.errors import ConfigError, PostError
from feeder.posts import scan as scan_module
from feeder.posts.load import load_one
from feeder.posts.render import RENDER_LIMIT
from feeder.posts.scan import printable, scan
from feeder.preview import desk

NOW = "2025-12-20T00:00:00Z"
GOOD = {"2025-12-08-good.md": "Good one", "2025/2025-12-09-also-good.md": "Good two"}


def good_posts(site) -> None:
    site.write_config("digest:\n  from: Test <digest@example.com>\n  unsubscribe_url: https://example.com/u?e={email}\n")
    for name, title in GOOD.items():
        site.post(name, f"title: {title}\ndate: {name.rpartition('/')[2][:10]} 10:00:00 +0000")


def run_all(site, cli, read_feed) -> tuple[list[str], list[str]]:
    """publish, check and digest of the posts' week: each exits 1 and writes the good posts.

    Returns the problem lines of publish (with the posts folder cut off) and the feed's titles.
    """
    config = site.root / "config.yaml"
    result = cli("publish", "--config", config, "--now", NOW)
    assert result.exit_code == 1, result.output
    titles = sorted(e.title for e in read_feed(site.root / "public" / "feed.xml").entries)
    problems = [line.removeprefix(f"{site.posts}{os.sep}") for line in result.stderr.splitlines()]
    check = cli("check", "--config", config, "--now", NOW)
    assert check.exit_code == 1 and sorted(check.stderr.splitlines()) == sorted(result.stderr.splitlines())
    digest = cli("digest", "--config", config, "--now", NOW, "--week", "2025-W50", "--out", site.root / "digest")
    assert digest.exit_code == 1 and "digest 2025-W50: 2 posts" in digest.output
    assert sorted(result.stderr.splitlines()) == sorted(digest.stderr.splitlines())
    now = datetime(2025, 12, 20, tzinfo=timezone.utc)  # the preview: the week, and each problem on the desk
    index, week = desk.index(site.config, now), desk.sheet(site.config, now, "2025-W50", RENDER_LIMIT)
    assert index.weeks[0].label == "2025-W50" and index.weeks[0].posts == 2
    assert sum(w.problems for w in index.weeks) + len(index.undated) == len(problems)  # each one counted
    assert week.has_issue and all(title in week.html for title in GOOD.values())
    assert {f"{p.where}: {p.message}".removeprefix("posts/") for p in week.problems} <= set(problems)
    return problems, titles


def test_undecodable_file_and_folder_names_are_reported_in_a_printable_form(site, cli, read_feed) -> None:
    good_posts(site)
    posts = os.fsencode(site.posts)
    with open(posts + b"/2025-12-10-caf\xe9.md", "wb") as latin1:  # é in Latin-1: not UTF-8
        latin1.write(b"---\ntitle: Latin-1 name\n---\nx\n")
    os.mkdir(posts + b"/dossier-\xff")
    with open(posts + b"/dossier-\xff/2025-12-11-inside.md", "wb") as inside:
        inside.write(b"---\ntitle: In a Latin-1 folder\n---\nx\n")
    site.post("2025-12-12-line\nbreak.md", "title: A newline in the name")
    problems, titles = run_all(site, cli, read_feed)
    assert problems == [
        "2025-12-10-caf\\xe9.md: the file name is not plain UTF-8 text (it holds an undecodable byte or a "
        "control character); rename the file",
        "2025-12-12-line\\x0abreak.md: the file name is not plain UTF-8 text (it holds an undecodable byte or a "
        "control character); rename the file",
        "dossier-\\xff/2025-12-11-inside.md: the file name is not plain UTF-8 text (it holds an undecodable byte "
        "or a control character); rename the file",
    ]
    assert titles == sorted(GOOD.values())


def test_symbolic_link_loops_and_dangling_links_are_reported(site, cli, read_feed) -> None:
    good_posts(site)
    os.symlink("2025-12-10-self.md", site.posts / "2025-12-10-self.md")  # ln -s x.md x.md
    os.symlink("2025-12-11-pong.md", site.posts / "2025-12-11-ping.md")
    os.symlink("2025-12-11-ping.md", site.posts / "2025-12-11-pong.md")
    os.symlink("gone.md", site.posts / "2025-12-12-dangling.md")
    os.symlink(".", site.posts / "loop")  # a folder that contains itself: links to folders are not followed
    problems, titles = run_all(site, cli, read_feed)
    loop = "a symbolic link that loops (it leads back to itself); remove it or point it at a post file"
    assert problems == [
        f"2025-12-10-self.md: {loop}",
        f"2025-12-11-ping.md: {loop}",
        f"2025-12-11-pong.md: {loop}",
        "2025-12-12-dangling.md: a symbolic link to gone.md, which does not exist; remove or fix it",
    ]
    assert titles == sorted(GOOD.values())


def test_an_unreadable_folder_is_reported_and_the_rest_published(site, cli, read_feed, monkeypatch) -> None:
    """chmod 000 does not stop root (CI), so the folder's listing is refused as the kernel would refuse it."""
    good_posts(site)
    site.post("private/2025-12-10-hidden-away.md", "title: Unreadable")
    real = os.scandir

    def refusing(path):
        if os.path.basename(path) == "private":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real(path)

    monkeypatch.setattr(scan_module.os, "scandir", refusing)
    problems, titles = run_all(site, cli, read_feed)
    assert problems == ["private: cannot read this folder (Permission denied); the posts in it are left out "
                        "until it can be read"]
    assert titles == sorted(GOOD.values())


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its mode (the test above stands in)")
def test_an_unreadable_folder_for_real(site, read_feed) -> None:
    site.post("private/2025-12-10-hidden-away.md", "title: Unreadable")
    (site.posts / "private").chmod(0)
    try:
        found = scan(site.posts)
    finally:
        (site.posts / "private").chmod(0o755)
    assert [str(p) for p in found.problems] == ["private/: cannot read this folder (Permission denied); the posts "
                                                "in it are left out until it can be read"]


def test_an_unreadable_posts_dir_is_a_config_error(site, cli, monkeypatch) -> None:
    def refusing(path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

    monkeypatch.setattr(scan_module.os, "scandir", refusing)
    with pytest.raises(ConfigError, match=r"posts_dir: cannot read .*posts: Permission denied"):
        scan(site.posts)
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW)
    assert result.exit_code == 2 and "Permission denied" in result.stderr


def test_a_link_out_of_posts_dir_is_reported_and_not_published(site, cli, read_feed) -> None:
    """Row 8: posts/x.md -> ../outside/secret.md published the file it pointed at."""
    good_posts(site)
    outside = site.root / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: Secret\ndate: 2025-12-10\n---\nTOP SECRET\n", encoding="utf-8")
    os.symlink("../outside/secret.md", site.posts / "2025-12-10-secret.md")
    os.symlink("../outside", site.posts / "elsewhere")  # a folder link: not followed, as before
    site.post("real/2025-12-11-linked.md", "title: Linked within\ndate: 2025-12-11 10:00:00 +0000")
    os.symlink("real/2025-12-11-linked.md", site.posts / "2025-12-11-link.md")  # within posts_dir: followed
    os.symlink("real", site.posts / "2025-12-12-folder.md")  # within, but a folder named like a post
    config = site.root / "config.yaml"
    result = cli("publish", "--config", config, "--now", NOW)
    assert result.exit_code == 1
    problems = [line.removeprefix(f"{site.posts}{os.sep}") for line in result.stderr.splitlines()]
    assert problems == [
        f"2025-12-10-secret.md: a symbolic link to {outside / 'secret.md'}, outside posts_dir: only links within "
        "posts_dir are followed; move the post into posts_dir",
        "2025-12-12-folder.md: a symbolic link to something that is not a file; a post must be a file",
    ]
    titles = sorted(e.title for e in read_feed(site.root / "public" / "feed.xml").entries)
    assert titles == sorted([*GOOD.values(), "Linked within", "Linked within"])  # the link and its target
    for written in (site.root / "public").rglob("*"):
        assert written.is_dir() or b"SECRET" not in written.read_bytes(), written


def test_a_problem_that_appears_after_a_clean_run_is_reported(site, cli) -> None:
    """A clean run lets the next one stop after the scan when nothing changed; a new bad link is a change."""
    good_posts(site)
    config = site.root / "config.yaml"
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    os.symlink("2025-12-10-loop.md", site.posts / "2025-12-10-loop.md")
    for _ in range(2):  # and on every run after, until it is fixed
        result = cli("publish", "--config", config, "--now", NOW)
        assert result.exit_code == 1 and "2025-12-10-loop.md: a symbolic link that loops" in result.stderr
    (site.posts / "2025-12-10-loop.md").unlink()
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0


def test_a_post_swapped_for_an_outside_link_after_the_scan_is_not_read(site) -> None:
    site.post("2025-12-10-post.md", "title: Post")
    (site.root / "secret.md").write_text("---\ntitle: Secret\n---\nTOP SECRET\n", encoding="utf-8")
    assert load_one(site.config, "2025-12-10-post.md").post.title == "Post"
    (site.posts / "2025-12-10-post.md").unlink()
    os.symlink(site.root / "secret.md", site.posts / "2025-12-10-post.md")
    with pytest.raises(PostError, match="outside posts_dir"):
        load_one(site.config, "2025-12-10-post.md")


def test_a_fifo_named_like_a_post_does_not_block(site) -> None:
    os.mkfifo(site.posts / "2025-12-10-fifo.md")
    assert scan(site.posts) == {}  # not a file: not a post
    with pytest.raises(PostError, match="empty file"), deadline(10):  # read anyway (replaced after the scan): no wait
        load_one(site.config, "2025-12-10-fifo.md")


@pytest.mark.parametrize("name, shown", [
    ("plain.md", "plain.md"),
    ("日本語\u3000タイトル.md", "日本語\u3000タイトル.md"),  # not str.isprintable(), but shown as it is
    (os.fsdecode(b"caf\xe9.md"), "caf\\xe9.md"),
    ("tab\there.md", "tab\\x09here.md"),
    ("next\u0085line\u2028.md", "next\\x85line\\u2028.md"),
])
def test_printable(name: str, shown: str) -> None:
    assert printable(name) == shown
    assert printable(name).encode("utf-8")  # always encodable: stdout, SQLite and XML take it


def test_the_scan_is_a_dict_of_signatures(site) -> None:
    site.post("a.md", "title: a")
    found = scan(site.posts)
    assert list(found) == ["a.md"] and found.problems == []
    st = (site.posts / "a.md").stat()
    assert found["a.md"] == (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
    assert isinstance(found, dict) and Path(site.posts / "a.md").exists()


def test_a_jekyll_site_is_scanned_for_its_posts_only(tmp_path: Path) -> None:
    from feeder.posts.scan import JekyllRules

    for name in ("_posts/2024-01-01-a.md", "_posts/deep/er/2024-01-02-b.markdown", "blog/news/_posts/2024-01-03-c.md",
                 "_posts/notes.md", "_posts/_x/2024-01-04-d.md", "_posts/_2024-01-05-e.md", "_posts/2024-01-06-f.md~",
                 "_posts/2024-01-07-g.html", "_drafts/2024-01-08-h.md", "_site/_posts/2024-01-09-i.md",
                 "node_modules/p/_posts/2024-01-10-j.md", "scratch/_posts/2024-01-11-k.md", "about.md",
                 ".git/_posts/2024-01-12-l.md", "blog/_other/_posts/2024-01-13-m.md", "_posts/2024-01-14-n.MD"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("---\n---\n", encoding="utf-8")
    found = scan(tmp_path, JekyllRules(("scratch", "node_modules"), ("md", "markdown")))
    assert sorted(found) == ["_posts/2024-01-01-a.md", "_posts/2024-01-14-n.MD", "_posts/deep/er/2024-01-02-b.markdown",
                             "blog/news/_posts/2024-01-03-c.md"]
    assert found.problems == []


def test_a_scans_key_changes_with_any_file_and_is_made_once(tmp_path) -> None:
    from feeder.posts.scan import scan

    posts = tmp_path / "posts"
    (posts / "2025").mkdir(parents=True)
    (posts / "2025" / "a.md").write_text("---\ntitle: A\n---\n", encoding="utf-8")
    (posts / "b.md").write_text("---\ntitle: B\n---\n", encoding="utf-8")
    first = scan(posts)
    assert first.key == scan(posts).key  # nothing changed
    assert first.key is first.key  # made once per scan
    (posts / "b.md").write_text("---\ntitle: B, edited\n---\n", encoding="utf-8")
    edited = scan(posts)
    (posts / "c.md").write_text("---\ntitle: C\n---\n", encoding="utf-8")
    added = scan(posts)
    assert len({first.key, edited.key, added.key}) == 3
