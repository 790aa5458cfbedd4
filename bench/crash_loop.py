"""The crash loop at full size: SIGKILL `feeder publish` and `feeder send` at hundreds of random steps.

    python3 bench/crash_loop.py [--rounds 200] [--seed N] [--only publish|send] [--work DIR]

Each round copies the sample site, kills a run at a step drawn at random from
every write, fsync, rename, unlink and socket send it makes (tests/killpoint.py),
runs the command again, and checks what tests/crashloop.py says must hold: the
outputs byte for byte those of a clean publish, no temporary file anywhere, a
third run changing nothing; the ledger naming everyone, every recipient with
the digest and at most the one message in flight sent twice (same Message-ID).
tests/test_crashes.py runs three rounds of each in CI.

It prints, per command, the rounds run, how many were killed (the others drew a
step past the end and finished), the messages sent twice, and the first
failure with the seed that replays it (FEEDER_CRASH_SEED=N in the tests, or
--seed N here).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from crashloop import PublishLoop, Round, SendLoop  # from tests/, put first on the path above
from mailserver import Recorder, Server


def loop(name: str, make, rounds: int, seed: int) -> bool:
    rng = random.Random(seed)
    started = time.perf_counter()
    done: list[Round] = []
    runner = make()
    for n in range(rounds):
        try:
            done.append(runner.round(rng))
        except AssertionError as exc:
            print(f"{name}: FAILED in round {n + 1} (--seed {seed}): {exc}")
            return False
    killed = sum(r.killed for r in done)
    twice = sum(r.extra_copies for r in done)
    print(f"{name}: {rounds} rounds in {time.perf_counter() - started:.0f} s, {killed} killed, "
          f"{rounds - killed} finished before the step drawn; all checks held"
          + (f"; {twice} message(s) sent twice, each the one in flight" if name == "send" else ""))
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=random.randrange(1 << 32))
    parser.add_argument("--only", choices=("publish", "send"))
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="feeder-crash-"))
    print(f"seed {args.seed}, work folder {work}")
    ok = True
    if args.only in (None, "publish"):
        ok &= loop("publish", lambda: PublishLoop(work / "publish"), args.rounds, args.seed)
    if args.only in (None, "send"):
        server = Server(Recorder())
        try:
            ok &= loop("send", lambda: SendLoop(work / "send", server), args.rounds, args.seed)
        finally:
            server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
