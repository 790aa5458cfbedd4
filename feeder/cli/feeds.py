"""``feeder publish`` and ``feeder check``: the feeds, written or only checked."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from feeder.cli.site import EXAMPLES, Output, listed, located, site_command
from feeder.pool import cores

if TYPE_CHECKING:
    from feeder.config import Config


@click.command(epilog=EXAMPLES)
@site_command
@click.option("--strict", is_flag=True, help="Any invalid post fails the run and nothing is written.")
@click.option("--wait", type=float, default=60.0, show_default=True,
              help="Seconds to wait for another running publish before giving up.")
def publish(config: Config, now: datetime, ui: Output, strict: bool, wait: float) -> int:
    """Write the feeds for the posts published by now.

    Quiet on success: one line when a file changed, none when nothing did.
    Invalid posts are reported as PATH:LINE: PROBLEM and left out; the feeds
    are still written with every valid post, and the exit code is 1.
    """
    from feeder.feeds.publish import publish as run

    result = run(config, now, strict=strict, wait=wait, workers=cores())
    for problem in result.problems:
        ui.problem(located(config, problem))
    for notice in result.warnings:
        ui.problem(f"warning: {located(config, notice)}")
    ui.detail(f"{result.published} published, {result.drafts} drafts, {result.scheduled} scheduled, "
              f"{len(result.problems)} invalid; {result.parsed} files parsed")
    if result.written:
        ui.say(f"published {result.published} posts: " + listed(result.written))
    else:
        ui.detail("nothing changed: " + listed(result.outputs) + " left as they were")
    if result.removed:
        ui.detail("removed (no longer produced): " + listed(result.removed))
    if result.swept:
        ui.detail("removed temporary files left by a run that was killed: " + listed(result.swept))
    if result.websub:  # a hub that is down is a warning: the files are published, the exit code stays 0
        for warning in result.websub.problems:
            ui.problem(f"warning: {warning}")
        if result.websub.pinged:
            ui.detail(f"WebSub: announced {len(result.websub.pinged)} changed feed(s) to {config.feeds.websub_hub}")
    return 1 if result.problems else 0


@click.command(epilog=EXAMPLES)
@site_command
def check(config: Config, now: datetime, ui: Output) -> int:
    """Check the config and every post; print each problem; write nothing.

    On a Jekyll site, also list what feeder renders differently from Jekyll with
    plugins (unknown Liquid tags and filters, missing includes) as warnings: the
    exit code stays 0 for those.
    """
    from feeder.feeds.publish import check as run

    collection = run(config, now, workers=cores())
    for problem in collection.problems:
        ui.problem(located(config, problem))
    for notice in collection.warnings:  # published, but not as Jekyll with plugins renders it
        ui.problem(f"warning: {located(config, notice)}")
    warned = f", {len(collection.warnings)} warnings" if collection.warnings else ""
    ui.say(f"{len(collection.published)} published, {collection.drafts} drafts, "
           f"{collection.scheduled} scheduled, {len(collection.problems)} invalid{warned}")
    return 1 if collection.problems else 0
