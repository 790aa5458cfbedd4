"""The command line: thin commands over one library call each.

This is the only place that reads the clock, catches :class:`FeederError`,
prints, and picks exit codes: 0 all good, 1 some posts (or recipients) had
problems, 2 a configuration or usage error.  Heavy modules are imported inside
the commands, so ``feeder --help`` stays instant.

The library returns what a person needs to read (problems, warnings, counts)
and logs only at INFO and below, for ``-v`` and ``-vv``; so each message is
printed here exactly once, and the log shows what happened on the way.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

import click

from feeder.pool import cores
from feeder.version import __version__

if TYPE_CHECKING:  # for annotations only: the commands import what they run (see above)
    from feeder.config import Config
    from feeder.errors import PostError
    from feeder.mail.send import SendResult
    from feeder.mail.smtp import SmtpSender

EXAMPLES = """
\b
Examples:
  feeder publish                         # ./config.yaml, quiet unless something changed
  feeder publish --config site/config.yaml -v
  feeder publish --now 2025-12-20T00:00:00Z --strict
  feeder check --config site/config.yaml
  feeder digest --week 2025-W50          # the digest email of one week, as files
  feeder preview                         # see the digests in a browser at http://127.0.0.1:8000/
"""


def _now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime:
    """The one reading of the clock; --now replaces it (with an explicit offset)."""
    if value is None:
        return datetime.now(timezone.utc)
    from feeder.dates import parse_now

    try:
        return parse_now(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def site_command(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command shares, the config loaded, and user errors turned into exit codes."""

    @click.option("--config", "config_path", type=click.Path(path_type=Path), default="config.yaml",
                  show_default=True, help="The site's config file; relative paths in it resolve against its folder.")
    @click.option("--now", callback=_now, metavar="TIME",
                  help="Pretend the time is TIME (ISO 8601 with offset, e.g. 2025-12-20T00:00:00Z).")
    @click.option("-v", "--verbose", count=True, help="Say more (-vv for debugging detail).")
    @click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
    @functools.wraps(func)
    def wrapper(config_path: Path, now: datetime, verbose: int, quiet: bool, **kwargs: Any) -> None:
        from feeder.config import load_config
        from feeder.errors import FeederError, InvalidPosts, NothingUsable

        ui = Output(quiet=quiet, verbose=verbose)
        level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
        try:
            with _log_shown(level):
                config = load_config(config_path)
                code = func(config=config, now=now, ui=ui, **kwargs)
        except FeederError as exc:
            if verbose >= 2:  # -vv: where it was raised, for a bug report or a puzzling message
                ui.problem(traceback.format_exc().rstrip())
            if isinstance(exc, (InvalidPosts, NothingUsable)):  # each post's problem, then the summary
                for problem in exc.problems:
                    ui.problem(_located(config, problem))
            for line in str(exc).splitlines():  # a ConfigError lists every mistake, one line each
                ui.problem(f"error: {line}")
            sys.exit(exc.exit_code)
        sys.exit(code or 0)

    return wrapper


class _Echo(logging.Handler):
    """Log records to stderr through click, which finds the stream at each call (a CliRunner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # logging's own contract: a handler never raises
            self.handleError(record)


@contextlib.contextmanager
def _log_shown(level: int) -> Iterator[None]:
    """Show feeder's log records at *level* and above on stderr while a command runs.

    On the ``feeder`` logger, not the root: other libraries' chatter stays out of ``-vv``.
    Undone afterwards, so that a second command in one process (the tests) neither prints
    each record twice nor inherits the first one's level.
    """
    logger = logging.getLogger("feeder")
    handler = _Echo(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


class Output:
    """What the commands print: one summary line at most, problems always."""

    def __init__(self, quiet: bool, verbose: int) -> None:
        self.quiet, self.verbose = quiet, verbose

    def say(self, message: str) -> None:
        if not self.quiet:
            click.echo(message)

    def detail(self, message: str) -> None:
        if self.verbose and not self.quiet:
            click.echo(message)

    def problem(self, problem: Any) -> None:
        click.echo(str(problem), err=True)


def shown(path: Path) -> str:
    """*path* relative to the working directory when it is below it: shorter, and clickable."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@click.group(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="feeder")
def main() -> None:
    """Turn a folder of Markdown posts into RSS and Atom feeds and a weekly email digest."""


@main.command(epilog=EXAMPLES)
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
        ui.problem(_located(config, problem))
    for notice in result.warnings:
        ui.problem(f"warning: {_located(config, notice)}")
    ui.detail(f"{result.published} published, {result.drafts} drafts, {result.scheduled} scheduled, "
              f"{len(result.problems)} invalid; {result.parsed} files parsed")
    if result.written:
        ui.say(f"published {result.published} posts: " + _listed(result.written))
    else:
        ui.detail("nothing changed: " + _listed(result.outputs) + " left as they were")
    if result.removed:
        ui.detail("removed (no longer produced): " + _listed(result.removed))
    if result.swept:
        ui.detail("removed temporary files left by a run that was killed: " + _listed(result.swept))
    if result.websub:  # a hub that is down is a warning: the files are published, the exit code stays 0
        for warning in result.websub.problems:
            ui.problem(f"warning: {warning}")
        if result.websub.pinged:
            ui.detail(f"WebSub: announced {len(result.websub.pinged)} changed feed(s) to {config.feeds.websub_hub}")
    return 1 if result.problems else 0


def _listed(paths: list[Path], limit: int = 8) -> str:
    """Paths for a summary line: the first few, then how many more (tag feeds can number thousands)."""
    names = [shown(p) for p in paths[:limit]]
    return ", ".join(names) + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


@main.command(epilog=EXAMPLES)
@site_command
def check(config: Config, now: datetime, ui: Output) -> int:
    """Check the config and every post; print each problem; write nothing."""
    from feeder.feeds.publish import check as run

    collection = run(config, now, workers=cores())
    for problem in collection.problems:
        ui.problem(_located(config, problem))
    ui.say(f"{len(collection.published)} published, {collection.drafts} drafts, "
           f"{collection.scheduled} scheduled, {len(collection.problems)} invalid")
    return 1 if collection.problems else 0


@main.command(epilog="""
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
        ui.problem(_located(config, problem))
    for warning in result.issue.warnings:
        ui.problem(f"warning: {warning}")
    size = len(result.issue.html.encode())
    count = len(result.issue.posts)
    ui.say(f"digest {result.week}: {count} post{'s' if count != 1 else ''}, {size} bytes of HTML: "
           + ", ".join(shown(p) for p in result.paths))
    return 1 if result.issue.problems else 0


@main.command(epilog="""
\b
Examples:
  feeder preview                         # http://127.0.0.1:8000/
  feeder preview --port 8080 --now 2025-12-20T00:00:00Z
""")
@site_command
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
def preview(config: Config, now: datetime, ui: Output, port: int) -> int:
    """Serve the digests on 127.0.0.1 for editors; posts and templates are re-read on every request.

    The clock runs on from --now when it is given.
    """
    from feeder.preview import Preview, make_server

    offset = now - datetime.now(timezone.utc)
    server = make_server(Preview(config, lambda: datetime.now(timezone.utc) + offset, report=ui.problem), port)
    ui.say(f"preview at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


@main.command(epilog="""
\b
Examples:
  feeder send --dry-run                  # who would get what, nothing sent
  feeder send --to me@example.com        # one [TEST] copy; the ledger is untouched
  feeder send                            # the last complete week, to everyone not yet sent
  feeder send --week 2025-W50 --force    # the whole list again
The SMTP login comes from FEEDER_SMTP_USERNAME and FEEDER_SMTP_PASSWORD.
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
    """Send a week's digest by email, exactly once per recipient, even across crashes.

    Exit code 0 when done (or nothing was left to send), 1 when some recipients
    failed (the next run retries them) or a post of the week was left out (the
    rest was sent), 2 on a configuration or usage error.
    """
    from feeder.mail.send import send as run

    try:
        with _smtp_sender(config) as sender:
            result = run(config, now, sender=sender, week=week, dry_run=dry_run, to=to, force=force, wait=wait,
                         workers=cores())
    except KeyboardInterrupt:
        ui.problem("interrupted: everyone the server accepted so far is in the ledger; "
                   "run the same feeder send again to send to the rest")
        return 130
    _report_send(ui, result)
    return 1 if result.incomplete or result.post_problems else 0  # a post left out is bad input, as for digest


@main.command("run", epilog="""
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
    from feeder.scheduler import Runner

    offset = now - datetime.now(timezone.utc)  # zero unless --now was given
    _smtp_sender(config)  # checks the login settings without connecting: a ConfigError stops run at start

    def clock() -> datetime:
        return datetime.now(timezone.utc) + offset

    def publish_job(at: datetime) -> None:
        result = publish(config, at)
        for problem in result.problems:
            ui.problem(_located(config, problem))
        for notice in result.warnings:
            ui.problem(f"warning: {_located(config, notice)}")
        if result.written:
            ui.say("published: " + _listed(result.written))
        for warning in result.websub.problems if result.websub else ():
            ui.problem(f"warning: {warning}")

    def send_job(at: datetime, week: str) -> SendResult:
        with _smtp_sender(config) as sender:
            result = run_send(config, at, sender=sender, week=week, wait=60.0)
        _report_send(ui, result)
        return result

    def failed(job: str, exc: Exception) -> None:
        """A job that raised: the loop goes on, so this is all anyone sees of it."""
        if ui.verbose >= 2 or not isinstance(exc, FeederError):  # a bug always shows where it happened
            ui.problem("".join(traceback.format_exception(exc)).rstrip())
        for line in str(exc).splitlines():
            ui.problem(f"error: {job} failed: {line}")

    return Runner(config, publish=publish_job, send=send_job, clock=clock, failed=failed).run()


def _smtp_sender(config: Config) -> SmtpSender:
    """The SMTP sender, with the login read from the environment (and passed on, never logged).

    Raises ConfigError, before any connection, for a login that would go out unencrypted.
    """
    from feeder.mail.smtp import SmtpSender

    return SmtpSender(config.smtp, username=os.environ.get("FEEDER_SMTP_USERNAME") or None,
                      password=os.environ.get("FEEDER_SMTP_PASSWORD"))


def _report_send(ui: Output, result: SendResult) -> None:
    for level, text in result.report():
        match level:
            case "say":
                ui.say(text)
            case "detail":
                ui.detail(text)
            case "problem":
                ui.problem(text)
            case _:
                assert_never(level)


def _located(config: Config, problem: PostError) -> str:
    """A problem with its file shown as the user would type it."""
    line = f":{problem.line}" if problem.line else ""
    return f"{shown(config.posts_dir / problem.path)}{line}: {problem.message}"


if __name__ == "__main__":  # pragma: no cover
    main()
