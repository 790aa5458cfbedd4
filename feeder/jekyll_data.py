"""A Jekyll site's ``_data/`` folder as ``site.data``, and the read-only values the whole site is kept in.

Jekyll reads every ``.yml``, ``.yaml``, ``.json``, ``.csv`` and ``.tsv`` file of
``_data/`` (and of its folders, as nested maps) under its name without the
extension: ``_data/authors.yml`` is ``site.data.authors``, ``_data/team/leads.csv``
``site.data.team.leads``; a CSV or TSV is a list of rows, each a map of its header.
A file that cannot be read is a problem with its path (and line), the others
are still read.

Values are frozen (:class:`FrozenMap`, tuples for lists): the config is shared by
every post and every worker, and one template must not change what the next
one sees.  A FrozenMap is a ``dict`` (JSON and template engines take it as one)
that refuses to change.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import yaml

from feeder import yamlload

_SUFFIXES = (".yml", ".yaml", ".json", ".csv", ".tsv")
MAX_DATA_BYTES = 10_000_000  # one data file; beyond this it is reported, not read


class FrozenMap(dict[str, Any]):
    """A ``dict`` that cannot change after it is made (JSON, Jinja2 and Liquid read it as a dict)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("site settings are read-only")

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(map(repr, self.items()))))

    def __reduce__(self) -> Any:  # pickled (to a worker) as what it holds, made again there
        return (FrozenMap, (dict(self),))


def freeze(value: Any) -> Any:
    """*value* with every mapping a :class:`FrozenMap` (keys as text) and every list a tuple."""
    if isinstance(value, FrozenMap):
        return value
    if isinstance(value, dict):
        return FrozenMap({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def read_data(folder: Path) -> tuple[FrozenMap, list[str]]:
    """``site.data`` from *folder* (``_data/``), and a problem for each file that cannot be read."""
    problems: list[str] = []
    if not folder.is_dir():
        return FrozenMap(), problems
    return freeze(_read_folder(folder, problems, 0)), problems


def _read_folder(folder: Path, problems: list[str], depth: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        problems.append(f"{folder}: cannot read this folder ({exc.strerror})")
        return found
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if depth < 16:
                found[entry.name] = _read_folder(entry, problems, depth + 1)
        elif entry.suffix.lower() in _SUFFIXES:
            value = _read_file(entry, problems)
            if value is not None:
                found[entry.stem] = value
    return found


def _read_file(path: Path, problems: list[str]) -> Any:
    try:
        if path.stat().st_size > MAX_DATA_BYTES:
            problems.append(f"{path}: over {MAX_DATA_BYTES:,} bytes; feeder leaves it out of site.data")
            return None
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return None
    suffix = path.suffix.lower()
    try:
        if suffix in (".yml", ".yaml"):
            return yamlload.load(text) if text.strip() else None
        if suffix == ".json":
            return json.loads(text)
        return _rows(csv.reader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ","))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problems.append(f"{path}{line}: invalid YAML: {getattr(exc, 'problem', None) or exc}")
    except json.JSONDecodeError as exc:
        problems.append(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}")
    except (csv.Error, ValueError) as exc:
        problems.append(f"{path}: cannot read: {exc}")
    return None


def _rows(reader: Iterable[list[str]]) -> list[dict[str, str | None]]:
    """CSV rows as Jekyll gives them (``CSV.read(headers: true)``): a map of header to cell per row."""
    rows = iter(reader)
    header = next(rows, None)
    if header is None:
        return []
    return [{name: (row[i] if i < len(row) else None) for i, name in enumerate(header)}
            for row in rows]
