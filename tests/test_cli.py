"""The command line itself: help with examples, version, usage errors."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from feeder import __version__
from feeder.cli import main

COMMANDS = sorted(main.commands)
# A group's commands are what take the options (feeder subscribers list --config …)
LEAVES = sorted(f"{name} {sub}" if isinstance(command, click.Group) else name
                for name, command in main.commands.items()
                for sub in (command.commands if isinstance(command, click.Group) else [""]))


def test_main_help_lists_commands_and_examples(cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    assert "Usage: feeder" in result.stdout
    for name in ("publish", "check"):
        assert name in result.stdout
    assert "Examples:" in result.stdout
    assert "feeder publish --now 2025-12-20T00:00:00Z --strict" in result.stdout
    assert cli("-h").stdout == result.stdout


@pytest.mark.parametrize("command", LEAVES)
def test_each_command_help_shows_its_options_and_examples(cli, command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.exit_code == 0, result.output
    assert f"Usage: feeder {command}" in result.stdout
    assert "--config PATH" in result.stdout and "--now TIME" in result.stdout
    examples = result.stdout.split("Examples:", 1)
    assert len(examples) == 2, f"feeder {command} --help has no examples"
    assert f"feeder {command}" in examples[1]


@pytest.mark.parametrize("group", [n for n in COMMANDS if isinstance(main.commands[n], click.Group)])
def test_each_command_group_help_lists_its_commands_with_examples(cli, group: str) -> None:
    result = cli(group, "--help")
    assert result.exit_code == 0 and "Examples:" in result.stdout
    assert all(name in result.stdout for name in main.commands[group].commands)


def test_publish_help_documents_strict_wait_and_exit_codes(cli) -> None:
    text = cli("publish", "--help").stdout
    assert "--strict" in text and "--wait" in text and "exit code is 1" in text


def test_version(cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def test_unknown_command_and_option_are_usage_errors(cli) -> None:
    assert cli("publsh").exit_code == 2
    result = cli("publish", "--strcit")
    assert result.exit_code == 2 and "No such option" in result.stderr


def test_console_script_runs_without_a_config_file(tmp_path) -> None:
    """The installed `feeder` entry point, in a clean process: help is instant and needs nothing."""
    run = subprocess.run([sys.executable, "-c", "from feeder.cli import main; main()", "--help"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "Examples:" in run.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (("digest", "--week", "2025-W60"), "error: --week: 2025 has no ISO week 60"),
    (("send", "--week", "2025-W50", "--to", "nobody"), "error: --to: not an email address"),
    (("send", "--week", "2025-W51", "--dry-run"), "error: --week 2025-W51: the week is not over until"),
])
def test_a_bad_option_value_is_a_usage_error_that_writes_nothing(cli, sample_site, args, message) -> None:
    """Exit 2 like a config error, one line saying which option is wrong; the config was fine."""
    result = cli(*args, "--config", sample_site / "config.yaml", "--now", "2025-12-16T00:00:00Z")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert result.stdout == "" and not (sample_site / "public").exists()
