"""Errors and output: the library returns what to say and logs at INFO at most; the CLI says each thing once.

The end-to-end checks run ``feeder`` in a fresh process, as a user or cron does: in-process, pytest's own
logging handlers are already on the root logger, which would hide a message printed twice (once by the
logging module, once by the CLI).
"""

from __future__ import annotations

import ast
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from mailserver import Recorder

NOW = "2025-12-22T00:00:00Z"
WEEK = "2025-W50"
NO_UNSUBSCRIBE = ("neither serve.public_url nor digest.unsubscribe_url is set: the email has no unsubscribe "
                  "link or List-Unsubscribe")
REJECTED = "ichiro@example.org: rejected: 550 5.1.1 No such user"


def feeder(*args: object) -> subprocess.CompletedProcess[str]:
    """`feeder ARGS` in a new process running this checkout's code; stdout and stderr in one stream, as seen."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "feeder.cli", *map(str, args)], env=env, text=True, timeout=120,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def edit_config(root: Path, change) -> Path:
    path = root / "config.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_library_logs_nothing_above_info() -> None:
    """What a user must read is returned (warnings, problems, failures) and printed by the CLI, not logged."""
    loud = {"warning", "warn", "error", "exception", "critical", "fatal"}
    found = []
    for path in sorted((REPO / "feeder").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in loud
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in ("log", "logger", "logging")):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.func.value.id}.{node.func.attr}")
    assert found == []


def test_the_library_prints_nothing_on_its_own(sample_site: Path) -> None:
    """A program that uses feeder and never configures logging sees no output from it."""
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("feeder").handlers)
    config = edit_config(sample_site, lambda raw: raw["digest"].pop("unsubscribe_url"))
    script = ("import sys; from pathlib import Path; from feeder.config import load_config; "
              "from feeder.dates import parse_now; from feeder.digest.issue import build_issue; "
              f"issue = build_issue(load_config(Path(sys.argv[1])), parse_now({NOW!r}), {WEEK!r}); "
              "assert issue.warnings, 'expected the unsubscribe warning'")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", script, str(config)], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == run.stderr == ""


@pytest.mark.parametrize("verbosity", [(), ("-v",)])
def test_digest_without_an_unsubscribe_url_warns_once(sample_site: Path, verbosity) -> None:
    config = edit_config(sample_site, lambda raw: raw["digest"].pop("unsubscribe_url"))
    run = feeder("digest", "--config", config, "--now", NOW, "--week", WEEK, "--out", sample_site / "out", *verbosity)
    assert run.returncode == 0, run.stdout
    assert run.stdout.count(NO_UNSUBSCRIBE) == 1, run.stdout
    assert f"warning: {NO_UNSUBSCRIBE}" in run.stdout


@pytest.mark.parametrize("verbosity", [(), ("-v",)])
def test_send_reports_a_550_and_the_issue_warnings_once(sample_site: Path, server, verbosity) -> None:
    srv = server(Recorder(rcpt=lambda a: "550 5.1.1 No such user" if a == "ichiro@example.org" else None))

    def change(raw) -> None:
        raw["digest"].pop("unsubscribe_url")
        raw["smtp"] = {"host": "127.0.0.1", "port": srv.port, "security": "none", "timeout": 10, "retries": 0}

    config = edit_config(sample_site, change)
    (sample_site / "recipients.txt").write_text("a@example.com\nichiro@example.org\nb@example.com\n", encoding="utf-8")
    run = feeder("send", "--config", config, "--now", NOW, "--week", WEEK, *verbosity)
    assert run.returncode == 1, run.stdout
    assert run.stdout.count(REJECTED) == 1, run.stdout
    assert run.stdout.count(NO_UNSUBSCRIBE) == 1, run.stdout  # the issue's warnings reach feeder send too
    assert f"{WEEK}: sent 2 of 3" in run.stdout
    assert "WARNING" not in run.stdout and "ERROR" not in run.stdout


def test_a_user_error_is_one_line_and_minus_vv_adds_its_traceback(cli, sample_site: Path) -> None:
    args = ("digest", "--config", sample_site / "config.yaml", "--now", NOW, "--week", "2025-W60")
    plain = cli(*args)
    assert plain.exit_code == 2 and plain.stderr == "error: --week: 2025 has no ISO week 60\n"
    for quieter in (cli(*args, "-v"), cli(*args, "-q")):
        assert quieter.exit_code == 2 and quieter.stderr == plain.stderr

    debug = cli(*args, "-vv")
    assert debug.exit_code == 2
    assert debug.stderr.startswith("Traceback (most recent call last):\n")
    assert "feeder/digest/weeks.py" in debug.stderr and "feeder.errors.UsageError: --week:" in debug.stderr
    assert debug.stderr.endswith(plain.stderr) and debug.stderr.count("error: --week") == 1


def test_minus_vv_shows_where_a_config_error_was_raised(cli, tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("site:\n  title: T\n  url: nowhere\n", encoding="utf-8")
    plain = cli("check", "--config", tmp_path / "config.yaml")
    debug = cli("check", "--config", tmp_path / "config.yaml", "-vv")
    assert plain.exit_code == debug.exit_code == 2
    assert "Traceback" not in plain.stderr and plain.stderr.count("\n") == 1
    assert "Traceback" in debug.stderr and "feeder/config.py" in debug.stderr and debug.stderr.endswith(plain.stderr)


def test_a_command_leaves_logging_as_it_found_it(cli, sample_site: Path) -> None:
    """A second command in one process must neither log each record twice nor inherit the first one's level."""
    logger = logging.getLogger("feeder")
    before = (logger.level, list(logger.handlers))
    first = cli("digest", "--config", sample_site / "config.yaml", "--now", NOW, "--out", sample_site / "out", "-vv")
    assert first.exit_code == 0 and "DEBUG feeder." in first.stderr
    assert (logger.level, list(logger.handlers)) == before
    second = cli("digest", "--config", sample_site / "config.yaml", "--now", NOW, "--out", sample_site / "out", "-v")
    assert second.exit_code == 0 and "DEBUG" not in second.stderr
