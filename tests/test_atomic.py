"""feeder.atomic's BatchWriter: many files replaced atomically and durably, synced a batch at a time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feeder import atomic
from feeder.atomic import BatchWriter
from feeder.errors import StorageError


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*.tmp"))


def test_files_appear_only_when_the_batch_is_flushed(tmp_path: Path) -> None:
    (tmp_path / "old.xml").write_bytes(b"old")
    with BatchWriter() as files:
        assert files.write_if_changed(tmp_path / "old.xml", b"new") is True
        assert files.write_if_changed(tmp_path / "a" / "b.xml", b"b") is True
        assert (tmp_path / "old.xml").read_bytes() == b"old"  # staged, not yet visible
        assert not (tmp_path / "a" / "b.xml").exists()
        assert len(_temps(tmp_path)) == 2
    assert (tmp_path / "old.xml").read_bytes() == b"new"
    assert (tmp_path / "a" / "b.xml").read_bytes() == b"b"
    assert oct((tmp_path / "a" / "b.xml").stat().st_mode & 0o777) == "0o644"
    assert _temps(tmp_path) == []


def test_identical_bytes_are_not_written_again(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"same")
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    with BatchWriter() as files:
        assert files.write_if_changed(target, b"same") is False
    assert target.stat().st_mtime_ns == 1_000_000_000
    assert files.fsyncs == 0


def test_one_fsync_per_file_and_one_per_folder_a_batch(tmp_path: Path) -> None:
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    os.fsync = counting
    try:
        with BatchWriter(batch=1000) as files:
            for n in range(40):
                files.write(tmp_path / f"d{n % 4}" / f"f{n}.xml", b"x" * n)
    finally:
        os.fsync = real
    assert len(calls) == files.fsyncs == 40 + 4  # 40 files, 4 folders once each
    assert sorted(p.name for p in tmp_path.rglob("*.xml")) == sorted(f"f{n}.xml" for n in range(40))


def test_a_full_batch_is_flushed_before_the_next_file(tmp_path: Path) -> None:
    with BatchWriter(batch=3) as files:
        for n in range(4):
            files.write(tmp_path / f"f{n}.xml", b"x")
        assert [(tmp_path / f"f{n}.xml").exists() for n in range(4)] == [True, True, True, False]
    assert (tmp_path / "f3.xml").exists()


def test_an_error_discards_the_batch_and_keeps_the_old_files(tmp_path: Path) -> None:
    (tmp_path / "keep.xml").write_bytes(b"old")
    with pytest.raises(RuntimeError), BatchWriter() as files:
        files.write(tmp_path / "keep.xml", b"new")
        raise RuntimeError("a feed failed to build")
    assert (tmp_path / "keep.xml").read_bytes() == b"old"
    assert _temps(tmp_path) == []


def test_a_failed_rename_is_a_storage_error_and_leaves_no_temporary_files(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a.xml").write_bytes(b"old")

    def broken(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    with pytest.raises(StorageError, match="Input/output error"), BatchWriter() as files:
        files.write(tmp_path / "a.xml", b"new")
        files.write(tmp_path / "b.xml", b"new")
        monkeypatch.setattr(atomic.os, "replace", broken)
    monkeypatch.undo()
    assert (tmp_path / "a.xml").read_bytes() == b"old"
    assert _temps(tmp_path) == []


def test_a_failed_fsync_is_a_storage_error_and_nothing_is_renamed(tmp_path: Path, monkeypatch) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(StorageError, match="the disk is full"), BatchWriter() as files:
        files.write(tmp_path / "a.xml", b"new")
        files.write(tmp_path / "b.xml", b"new")
        monkeypatch.setattr(atomic.os, "fsync", full)
    monkeypatch.undo()
    assert not (tmp_path / "a.xml").exists() and not (tmp_path / "b.xml").exists()
    assert _temps(tmp_path) == []
