"""The command line: thin commands over one library call each.

This is the only place that reads the clock, catches :class:`FeederError`,
prints, and picks exit codes: 0 all good, 1 some posts (or recipients) had
problems, 2 a configuration or usage error.  Heavy modules are imported inside
the commands, so ``feeder --help`` stays instant.

The library returns what a person needs to read (problems, warnings, counts)
and logs only at INFO and below, for ``-v`` and ``-vv``; so each message is
printed here exactly once, and the log shows what happened on the way.

One module per group of commands: :mod:`~feeder.cli.feeds` (publish, check),
:mod:`~feeder.cli.digest` (digest, preview, send, run), :mod:`~feeder.cli.subscribers`
(the subscriber list), :mod:`~feeder.cli.bounces`, :mod:`~feeder.cli.serve` (its web service); :mod:`~feeder.cli.site`
holds what they share.
"""

from __future__ import annotations

import click

from feeder.cli.bounces import bounces
from feeder.cli.digest import digest, preview, run_command, send
from feeder.cli.feeds import check, publish
from feeder.cli.serve import serve
from feeder.cli.site import EXAMPLES
from feeder.cli.subscribers import subscribers
from feeder.version import __version__


@click.group(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="feeder")
def main() -> None:
    """Turn a folder of Markdown posts into RSS and Atom feeds and a weekly email digest."""


for command in (publish, check, digest, preview, send, run_command, subscribers, bounces, serve):
    main.add_command(command)
