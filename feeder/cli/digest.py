"""``feeder digest``, ``preview``, ``send`` and ``run``: the weekly email, looked at, sent, scheduled."""

from __future__ import annotations

import contextlib
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from feeder.cli.site import Output, list_tokens, listed, located, show_report, shown, site_command, smtp_sender
from feeder.pool import cores

if TYPE_CHECKING:
    from feeder.config import Config
    from feeder.mail.send_result import SendRun


@click.command(epilog="""
\b
Examples:
  feeder digest                          # the last complete week, into <output_dir>/digests/
  feeder digest --week 2025-W50 --out /tmp/digest --now 2025-12-20T00:00:00Z
""")
@site_command
@click.option("--week", metavar="YYYY-Www", help="The ISO week to render (default: the last complete week).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for WEEK.html, WEEK.txt and WEEK.eml (default: <output_dir>/digests/).")
def digest(config: Config, now: datetime, ui: Output, week: str | None, out: Path | None) -> int:
    """Render one week's email digest: its HTML, plain text and whole message (.eml).

    A week with no published posts writes nothing and says so (exit 0). Invalid
    posts are reported as for publish (exit 1); the digest is still written.
    """
    from feeder.digest.files import write_digest

    result = write_digest(config, now, week, out)
    if result.issue is None:
        ui.say(f"nothing to send for {result.week}")
        return 0
    for problem in result.issue.problems:
        ui.problem(located(config, problem))
    for warning in result.issue.warnings:
        ui.problem(f"warning: {warning}")
    count = len(result.issue.posts)
    ui.say(f"digest {result.week}: {count} post{'s' if count != 1 else ''}, HTML {result.issue.size}: "
           + ", ".join(shown(p) for p in result.paths))
    return 1 if result.issue.problems else 0


@click.command(epilog="""
\b
Examples:
  feeder preview                         # http://127.0.0.1:8000/
  feeder preview --port 8080 --now 2025-12-20T00:00:00Z
"Send a test to me" goes to preview.test_to, with the SMTP login from FEEDER_SMTP_USERNAME and
FEEDER_SMTP_PASSWORD, as feeder send --to does.
""")
@site_command
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
def preview(config: Config, now: datetime, ui: Output, port: int) -> int:
    """Serve the editor's desk on 127.0.0.1: every week's digest, its size, warnings and problems, live.

    The open page reloads itself when a post, a template or the config changes.
    The clock runs on from --now when it is given.
    """
    from feeder.preview.server import bind, serve
    from feeder.preview.service import Service

    offset = now - datetime.now(timezone.utc)  # zero unless --now was given

    def clock() -> datetime:
        return datetime.now(timezone.utc) + offset

    sock = bind(port)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn has shut down, and raises it again for us
        serve(Service(config, clock, senders=smtp_sender, report=ui.problem), sock, ready=ui.say)
    return 0


@click.command(epilog="""
\b
Examples:
  feeder send --dry-run                  # who would get what, nothing sent
  feeder send --to me@example.com        # one [TEST] copy; the ledger is untouched
  feeder send                            # the last complete week, to everyone not yet sent
  feeder send --week 2025-W50 --force    # the whole list again
It mails the active subscribers (feeder subscribers list), after importing
digest.recipients if the config names it, and first finishes any earlier week
that some did not get yet. The SMTP login comes from FEEDER_SMTP_USERNAME and
FEEDER_SMTP_PASSWORD; with serve.public_url set, the unsubscribe links are
signed with FEEDER_SECRET_KEY.
""")
@site_command
@click.option("--week", metavar="YYYY-Www", help="The week to send (default: the last complete week).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option("--to", "to", metavar="ADDRESS", help="Send one test copy, subject marked [TEST], to ADDRESS only.")
@click.option("--force", is_flag=True,
              help="Send to everyone again, even those the ledger says have it (or a week not over yet).")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another send of the same week to finish.")
def send(config: Config, now: datetime, ui: Output, week: str | None, dry_run: bool, to: str | None, force: bool,
         wait: float) -> int:
    """Send a week's digest by email, exactly once per subscriber, even across crashes.

    Exit code 0 when done (or nothing was left to send), 1 when some recipients
    failed (a 5xx is marked bounced; a 4xx is retried by the next run) or a post
    of the week was left out (the rest was sent), 2 on a configuration or usage error.
    """
    from feeder.mail.send import send as run
    from feeder.mail.sqlite_store import open_store

    tokens = list_tokens(config)
    try:
        with smtp_sender(config) as sender, contextlib.closing(open_store(config.state_dir)) as store:
            result = run(config, now, sender=sender, store=store, tokens=tokens, week=week, dry_run=dry_run, to=to,
                         force=force, wait=wait, workers=cores())
    except KeyboardInterrupt:
        ui.problem("interrupted: everyone the server accepted so far is in the ledger; "
                   "run the same feeder send again to send to the rest")
        return 130
    show_report(ui, result.report())
    return 1 if result.incomplete or result.post_problems else 0  # a post left out is bad input, as for digest


@click.command("run", epilog="""
\b
Examples:
  feeder run --config /srv/blog/config.yaml      # under systemd or supervisord, instead of cron
  feeder run --now 2025-12-22T08:59:00+09:00 -v  # try the schedule from a given moment
""")
@site_command
def run_command(config: Config, now: datetime, ui: Output) -> int:
    """Run forever: publish every schedule.publish_every_minutes, send the digest on digest.send_day.

    The digest time is on the site's clock (site.timezone), DST included; a digest
    missed while this was not running is sent on start.  SIGTERM or Ctrl-C stops it
    after the current job.  --now shifts the clock (for trying it out).
    """
    # One process: a long-running scheduler is the place where a forked worker pool can do harm
    # (timers, signal handlers), and a publish every few minutes rarely has much to parse.
    from feeder.errors import FeederError
    from feeder.feeds.publish import publish
    from feeder.mail.send import send as run_send
    from feeder.mail.sqlite_store import open_store
    from feeder.scheduler import Runner

    offset = now - datetime.now(timezone.utc)  # zero unless --now was given
    smtp_sender(config)  # checks the login settings without connecting: a ConfigError stops run at start
    tokens = list_tokens(config)  # and so does a missing FEEDER_SECRET_KEY

    def clock() -> datetime:
        return datetime.now(timezone.utc) + offset

    def publish_job(at: datetime) -> None:
        result = publish(config, at)
        for problem in result.problems:
            ui.problem(located(config, problem))
        for notice in result.warnings:
            ui.problem(f"warning: {located(config, notice)}")
        if result.written:
            ui.say("published: " + listed(result.written))
        for warning in result.websub.problems if result.websub else ():
            ui.problem(f"warning: {warning}")

    def send_job(at: datetime, week: str) -> SendRun:
        with smtp_sender(config) as sender, contextlib.closing(open_store(config.state_dir)) as store:
            result = run_send(config, at, sender=sender, store=store, tokens=tokens, week=week, wait=60.0)
        show_report(ui, result.report())
        return result

    def failed(job: str, exc: Exception) -> None:
        """A job that raised: the loop goes on, so this is all anyone sees of it."""
        if ui.verbose >= 2 or not isinstance(exc, FeederError):  # a bug always shows where it happened
            ui.problem("".join(traceback.format_exception(exc)).rstrip())
        for line in str(exc).splitlines():
            ui.problem(f"error: {job} failed: {line}")

    return Runner(config, publish=publish_job, send=send_job, clock=clock, failed=failed).run()
