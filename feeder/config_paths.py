"""Where feeder writes must never be what it reads.

Every output lands under ``output_dir``: feeds, archive pages, tag and
category folders, the digests' web versions.  A path that reached a post, the
config file, the recipients list or the templates would overwrite it with XML
and exit 0 (``output_dir: posts`` with ``rss: 2025-12-01-good.md``, or
``output_dir: .`` with ``rss: config.yaml``).  So the config is refused (exit 2,
naming the output key and the input) when ``output_dir`` or ``state_dir`` is
inside ``posts_dir`` or the templates, when an output would land on or among
the inputs, or when an output folder would hold one; and the recipients list
may not be inside ``output_dir``, which is published.  ``posts_dir`` inside
``output_dir`` is allowed (``output_dir: .``), as is the usual ``public/`` beside
``posts/``: only the outputs themselves are checked.

The config check sees the folders as they are when it is read; a symlink made
later (``public/tags -> ../posts``) is caught by :func:`check_outputs`, which
publish and the digest call with the files they are about to write; and
publish deletes a file it wrote earlier only if :func:`removable` agrees.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from feeder.errors import ConfigError

if TYPE_CHECKING:  # config.py calls overwrites() while it builds the Config: no import at run time
    from feeder.config import Config

DIGESTS = "digests"  # the folder under output_dir for the digests' web versions
_FOLDERS = ("tags", "categories", "archive")  # the feeds keys that name a folder, not a file


def _inputs(config: Config) -> list[tuple[str, Path, bool]]:
    """What feeder reads, as (what, resolved path, is a folder); a file also as where its name is (a symlink)."""
    found = [("the config file", config.path.resolve(), False),
             ("the config file", _entry(config.path.absolute()), False)]
    site = config.jekyll
    if site is None:
        found.insert(0, ("posts_dir", config.posts_dir, True))
    else:  # a Jekyll site's root holds the output folder too: what feeder reads there is these
        found[:0] = [("the Jekyll site's _posts", site.root / "_posts", True),
                     ("the Jekyll site's _config.yml", site.config_file, False),
                     ("the Jekyll site's data", Path(site.root, str(site.site_vars.get("data_dir") or "_data")), True),
                     ("the Jekyll site's includes", site.includes_dir, True),
                     ("the Jekyll site's layouts", site.layouts_dir, True)]
    if config.digest.recipients:
        found.append(("digest.recipients", config.digest.recipients, False))
    if config.digest.templates:
        found.append(("digest.templates", config.digest.templates, True))
    return found


def _entry(path: Path) -> Path:
    """Where writing *path* lands: its folder resolved, its name not (the atomic rename replaces a symlink)."""
    return path.parent.resolve() / path.name


def _clash(target: Path, folder: bool, inputs: list[tuple[str, Path, bool]]) -> str | None:
    """How writing *target* (a file, or files anywhere below a *folder*) would hit one of *inputs*, or None."""
    for what, source, source_is_folder in inputs:
        if target == source or (source_is_folder and source in target.parents):
            return f"would be written {'inside' if source_is_folder else 'over'} {what} ({source})"
        if folder and target in source.parents:
            return f"is a folder feeder writes into, and it holds {what} ({source})"
    return None


def overwrites(config: Config) -> list[str]:
    """Every configured output that would land on or among feeder's inputs, one problem each."""
    inputs = _inputs(config)
    problems = [f"{key}: {place} is {'' if place == source else 'inside '}{what} ({source}); choose a folder "
                "outside it"
                for key, place in (("output_dir", config.output_dir), ("state_dir", config.state_dir))
                for what, source, is_folder in inputs if is_folder and (place == source or source in place.parents)]
    if any(problem.startswith("output_dir:") for problem in problems):
        return problems  # every output would be: one line says it
    f = config.feeds
    outputs = [(f"feeds.{key}", value, key in _FOLDERS)
               for key in ("rss", "atom", "json", "stylesheet", *_FOLDERS)
               if (value := getattr(f, key))]
    for key, value, folder in [*outputs, ("the digests' web versions", DIGESTS, True)]:
        target = config.output_dir / value
        clash = _clash(target.resolve() if folder else _entry(target), folder, inputs)
        if clash:
            problems.append(f"{key}: {value!r} {clash}; choose another path")
    recipients = config.digest.recipients
    if recipients and config.output_dir in recipients.parents:
        problems.append(f"digest.recipients: {recipients} is inside output_dir, which is published; "
                        "keep the list of subscribers elsewhere")
    return problems


def check_outputs(config: Config, targets: Iterable[Path]) -> None:
    """Raise a ConfigError, before anything is written, if writing any of *targets* would hit an input."""
    inputs = _inputs(config)
    folders: dict[Path, Path] = {}
    problems = []
    for target in targets:
        folder = folders.get(target.parent) or folders.setdefault(target.parent, target.parent.resolve())
        clash = _clash(folder / target.name, False, inputs)
        if clash:
            problems.append(f"{target} {clash} (through a symlink?); nothing was written")
    if problems:
        raise ConfigError(*problems)


def removable(config: Config, target: Path) -> bool:
    """Whether feeder may delete *target*, a file an earlier publish listed in its state as its own.

    Only inside ``output_dir`` and never an input: a state written by a config that aimed a feed at a post
    (before these checks existed), or edited by hand, must not cost the post restored since.
    """
    where = _entry(target)
    return config.output_dir in where.parents and _clash(where, False, _inputs(config)) is None
