"""The digest on disk: the web version every email links to, and ``feeder digest``'s files.

The issue's web version, ``<output_dir>/digests/<week>.html``, is
:meth:`Issue.public`: the same HTML with an unsubscribe link that names nobody,
since anyone may read it.  ``feeder send`` writes it before the first message
goes out (:func:`write_web_version`), so the link works under cron or
``feeder run`` without a ``feeder digest``.  Both remove the temporary files a
killed run left for the files they write (see :func:`feeder.atomic.sweep_temps`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feeder.atomic import sweep_temps, write_if_changed
from feeder.config import Config
from feeder.config_paths import DIGESTS, check_outputs
from feeder.digest.issue import PLACEHOLDER_RECIPIENT, Issue, build_issue
from feeder.digest.message import build_message
from feeder.digest.weeks import resolve, week_of
from feeder.errors import ConfigError, UsageError
from feeder.posts.cache import state_cache
from feeder.posts.collection import collect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestFiles:
    week: str
    issue: Issue | None  # None: the week has no posts, nothing was written
    paths: tuple[Path, ...] = ()  # the .html, .txt and .eml
    written: tuple[Path, ...] = ()  # those whose bytes changed


def web_version_path(config: Config, week: str) -> Path:
    """Where the page :attr:`Issue.web_url` links to is written: the site's URL maps to ``output_dir``."""
    return config.output_dir / DIGESTS / f"{week}.html"


def write_web_version(config: Config, issue: Issue) -> Path:
    """Publish *issue*'s web version (just the HTML: nothing personal, nothing for editors only)."""
    path = web_version_path(config, issue.week)
    check_outputs(config, [path])
    sweep_temps(path.parent, [path.name])
    if write_if_changed(path, issue.public()[0].encode()):
        log.debug("wrote %s", path)  # feeder send -v reports it as "web version: PATH"
    return path


def write_digest(config: Config, now: datetime, week: str | None = None, out: Path | None = None) -> DigestFiles:
    """Write ``<week>.html`` and ``.txt`` (the web copies) and ``.eml`` (addressed to a placeholder) into *out*.

    Default *out* is ``<output_dir>/digests/``, which makes the HTML the issue's web version,
    byte for byte what ``feeder send`` publishes there.
    """
    label = resolve(week, now, config)
    issue = build_issue(config, now, label)
    if issue is None:
        return DigestFiles(label, None)
    folder = out if out is not None else web_version_path(config, label).parent
    body_html, body_text = issue.public()
    message = build_message(config, issue, PLACEHOLDER_RECIPIENT, now=now)
    files = {folder / f"{label}.html": body_html.encode(), folder / f"{label}.txt": body_text.encode(),
             folder / f"{label}.eml": message.as_bytes()}
    try:
        check_outputs(config, files)
    except ConfigError as exc:  # --out is the command's, not the config's: a usage error
        if out is None:
            raise
        raise UsageError("\n".join(f"--out: {problem}" for problem in exc.problems)) from None
    sweep_temps(folder, [path.name for path in files])
    written = tuple(path for path, data in files.items() if write_if_changed(path, data))
    return DigestFiles(label, issue, tuple(files), written)


def weeks_with_posts(config: Config, now: datetime) -> list[tuple[str, int]]:
    """Every week that has published posts at *now*, newest first, with its post count."""
    counts: dict[str, int] = {}
    with state_cache(config) as cache:
        for row in collect(config, now, cache).published:
            label = week_of(datetime.fromtimestamp(row.timestamp, config.site.timezone), config)
            counts[label] = counts.get(label, 0) + 1
    return sorted(counts.items(), reverse=True)
