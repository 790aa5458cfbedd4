"""Crash loops: SIGKILL `feeder publish` or `feeder send` at a random step, run it again cleanly, check all.

Each round copies the bundled sample site, kills a run at a step picked at
random (see killpoint.py: every write, fsync, rename, unlink and socket send
is a step), runs the same command again without a kill, and checks what must
hold after any crash:

* publish: the outputs are byte for byte those of a clean publish, no
  temporary file is left anywhere, and a further run changes nothing;
* send: the ledger reads back, names every recipient and ends cleanly; every
  recipient got the digest, and any second copy has the same Message-ID
  (the one message in flight when the process died: SMTP's window).

tests/test_crashes.py runs a few rounds of each; bench/crash_loop.py runs many.
"""

from __future__ import annotations

import email
import email.policy
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from mailserver import Server

REPO = Path(__file__).resolve().parent.parent
KILLPOINT = Path(__file__).resolve().parent / "killpoint.py"
NOW, WEEK = "2025-12-22T00:00:00Z", "2025-W50"
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


@dataclass
class Round:
    step: int  # the step killed at (beyond the last: the run finished)
    killed: bool
    extra_copies: int = 0  # messages the in-flight window sent twice (send only)

    def __str__(self) -> str:
        return f"step {self.step}: {'killed' if self.killed else 'finished'}" + \
            (f", {self.extra_copies} message(s) again" if self.extra_copies else "")


def copy_site(folder: Path) -> Path:
    """A fresh copy of the bundled sample site in *folder*; its config file."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(REPO / "config.yaml", folder / "config.yaml")
    for name in ("posts", "templates"):
        shutil.copytree(REPO / name, folder / name)
    return folder / "config.yaml"


def count_steps(args: list[str]) -> int:
    """How many steps a run of *args* takes when nothing kills it (it runs, so it changes things)."""
    done = subprocess.run([sys.executable, KILLPOINT, "count", *args], capture_output=True, text=True, env=ENV,
                          timeout=300)
    found = re.search(r"killpoint steps: (\d+)", done.stderr)
    assert found, done.stderr
    return int(found[1])


def killed_at(step: int, args: list[str]) -> bool:
    run = subprocess.run([sys.executable, KILLPOINT, str(step), *args], capture_output=True, text=True, env=ENV,
                         timeout=300)
    assert run.returncode in (-9, 0), f"step {step}: exit {run.returncode}\n{run.stderr}"
    assert "Traceback" not in run.stderr, f"step {step}:\n{run.stderr}"
    return run.returncode == -9


def clean(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feeder.cli", *args], capture_output=True, text=True, env=ENV,
                          timeout=300)


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def temp_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.tmp"))


class PublishLoop:
    """Rounds of a publish killed and redone: from nothing, or after a new post on a published site."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.references: dict[bool, dict[str, bytes]] = {}
        self.steps: dict[bool, int] = {}
        for warm in (False, True):  # a clean publish of each situation, and how many steps it takes
            config = self._prepare(warm)
            args = ["publish", "--config", str(config), "--now", NOW]
            self.steps[warm] = count_steps(args)
            self.references[warm] = files(config.parent / "public")

    def _prepare(self, warm: bool) -> Path:
        config = copy_site(self.work / "site")
        if warm:
            result = clean(["publish", "--config", str(config), "--now", NOW])
            assert result.returncode == 0, result.stderr
            (config.parent / "posts" / "2025-12-19-late.md").write_text(
                "---\ntitle: A late post\ntags: [late, 投資]\ncategories: [news]\n---\nLate **news**.\n",
                encoding="utf-8")
        return config

    def round(self, rng: random.Random) -> Round:
        warm = rng.random() < 0.5
        config = self._prepare(warm)
        site, args = config.parent, ["publish", "--config", str(config), "--now", NOW]
        step = rng.randint(1, self.steps[warm])
        killed = killed_at(step, args)
        again = clean(args)
        what = f"{'warm' if warm else 'cold'} publish killed at step {step}"
        assert again.returncode == 0, f"{what}: the next run failed\n{again.stderr}"
        assert files(site / "public") == self.references[warm], f"{what}: outputs differ from a clean publish"
        assert temp_files(site) == [], f"{what}: temporary files left: {temp_files(site)}"
        stamps = {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()}
        third = clean(args)
        assert third.returncode == 0 and third.stdout == "", f"{what}: a third run still wrote\n{third.stdout}"
        assert stamps == {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()}
        return Round(step, killed)


class SendLoop:
    """Rounds of a send to *people* killed and redone, against a real SMTP server."""

    def __init__(self, work: Path, server: Server, people: int = 8) -> None:
        self.work, self.server = work, server
        self.people = [f"reader{n:03d}@example.com" for n in range(people)]
        self.steps = count_steps(self._args(self._prepare()))

    def _prepare(self) -> Path:
        self.server.handler.received.clear()
        config = copy_site(self.work / "site")
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        raw["smtp"] = {"host": "127.0.0.1", "port": self.server.port, "security": "none", "timeout": 10,
                       "retries": 0}
        config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        (config.parent / "recipients.txt").write_text("\n".join(self.people) + "\n", encoding="utf-8")
        return config

    @staticmethod
    def _args(config: Path) -> list[str]:
        return ["send", "--config", str(config), "--now", NOW, "--week", WEEK]

    def round(self, rng: random.Random) -> Round:
        config = self._prepare()
        args, site = self._args(config), config.parent
        step = rng.randint(1, self.steps)
        killed = killed_at(step, args)
        again = clean(args)
        what = f"send killed at step {step}"
        assert again.returncode == 0, f"{what}: the next run failed\n{again.stderr}"
        ledger = (site / ".feeder" / "sent" / f"{WEEK}.log").read_bytes()
        assert ledger.endswith(b"\n") and b"\0" not in ledger, f"{what}: the ledger was not left clean"
        listed = {line.split(b"\t")[1].decode() for line in ledger.splitlines()[1:]}
        assert listed == set(self.people), f"{what}: the ledger names {sorted(listed)}"
        ids: dict[str, set[str]] = {}
        received = Counter()
        for message in self.server.handler.received:
            (address,) = message.rcpt_tos
            received[address] += 1
            parsed = email.message_from_bytes(message.data, policy=email.policy.default)
            ids.setdefault(address, set()).add(str(parsed["Message-ID"]))
        assert set(received) == set(self.people), f"{what}: nothing for {set(self.people) - set(received)}"
        assert all(len(found) == 1 for found in ids.values()), f"{what}: two different messages to one person"
        extra = sum(received.values()) - len(self.people)
        assert extra <= 1, f"{what}: {extra} messages sent twice; only the one in flight may be"
        assert temp_files(site) == [], f"{what}: temporary files left: {temp_files(site)}"
        return Round(step, killed, extra)
