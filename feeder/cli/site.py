"""What every command shares: the options, the config loaded, the output, the exit codes.

The commands (in :mod:`feeder.cli`) are thin; this module is where a :class:`FeederError`
becomes a printed message and an exit code, so that rule is written once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

import click

if TYPE_CHECKING:  # for annotations only: the commands import what they run
    from feeder.config import Config
    from feeder.errors import PostError
    from feeder.mail.send_result import Level
    from feeder.mail.smtp import SmtpSender
    from feeder.mail.tokens import Tokens

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
                    ui.problem(located(config, problem))
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


def listed(paths: list[Path], limit: int = 8) -> str:
    """Paths for a summary line: the first few, then how many more (tag feeds can number thousands)."""
    names = [shown(p) for p in paths[:limit]]
    return ", ".join(names) + (f" and {len(paths) - limit} more" if len(paths) > limit else "")



def smtp_sender(config: Config) -> SmtpSender:
    """The SMTP sender, with the login read from the environment (and passed on, never logged).

    Raises ConfigError, before any connection, for a login that would go out unencrypted.
    """
    from feeder.mail.smtp import SmtpSender

    return SmtpSender(config.smtp, username=os.environ.get("FEEDER_SMTP_USERNAME") or None,
                      password=os.environ.get("FEEDER_SMTP_PASSWORD"))


def list_tokens(config: Config, required: bool = False) -> Tokens | None:
    """The signer of the list's links, keyed from FEEDER_SECRET_KEY (and FEEDER_OLD_SECRET_KEYS), never logged.

    None when the site has no ``serve.public_url`` (no signed links to make) and *required* is false;
    otherwise a missing key is a ConfigError that says to set it.
    """
    from feeder.mail.tokens import Tokens

    if config.serve.public_url is None and not required:
        return None
    return Tokens.from_environment_values(os.environ.get("FEEDER_SECRET_KEY"),
                                          os.environ.get("FEEDER_OLD_SECRET_KEYS"))


def show_report(ui: Output, lines: Iterable[tuple[Level, str]]) -> None:
    """A library report (send's, bounces'), each line where its level says: stdout, stdout with -v, stderr."""
    for level, text in lines:
        match level:
            case "say":
                ui.say(text)
            case "detail":
                ui.detail(text)
            case "problem":
                ui.problem(text)
            case _:
                assert_never(level)


def located(config: Config, problem: PostError) -> str:
    """A problem with its file shown as the user would type it."""
    line = f":{problem.line}" if problem.line else ""
    return f"{shown(config.posts_dir / problem.path)}{line}: {problem.message}"
