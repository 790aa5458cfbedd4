"""Crash loops at a size CI can afford: SIGKILL publish and send at random steps; the next run makes all well.

The rounds are drawn from a seed printed with any failure; ``FEEDER_CRASH_SEED=N`` replays one, and
``python3 bench/crash_loop.py`` runs hundreds of rounds.
"""

from __future__ import annotations

import os
import random

from crashloop import PublishLoop, SendLoop

SEED = int(os.environ.get("FEEDER_CRASH_SEED") or random.randrange(1 << 32))
ROUNDS = 3


def test_publish_killed_at_random_steps_is_finished_by_the_next_run(tmp_path) -> None:
    loop, rng = PublishLoop(tmp_path), random.Random(SEED)
    for n in range(ROUNDS):
        try:
            loop.round(rng)
        except AssertionError as exc:
            raise AssertionError(f"FEEDER_CRASH_SEED={SEED}, round {n + 1}: {exc}") from None


def test_send_killed_at_random_steps_is_resumed_and_only_a_message_in_flight_goes_twice(tmp_path, server) -> None:
    loop, rng = SendLoop(tmp_path, server()), random.Random(SEED)
    for n in range(ROUNDS):
        try:
            loop.round(rng)
        except AssertionError as exc:
            raise AssertionError(f"FEEDER_CRASH_SEED={SEED}, round {n + 1}: {exc}") from None
