"""The checks behind :mod:`feeder.config`: one typed reader per mapping, one function per kind of value.

Each function reads one key from a :class:`Section`, checks it and returns the
value config.py stores; every failure is a :class:`ConfigError` naming the key
(``site.url: must be …``), so a user sees exactly what to fix.

A file with three mistakes should take one run to fix, not three, so a failed
check does not stop the reading: :func:`checked` records its message in the
section's :class:`Problems` and returns a stand-in of the type the check
promises, the rest of the file is read, and config.py raises one ConfigError
with every problem at the end.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import time
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar, overload
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeder.addresses import check_address, parse_mailbox
from feeder.errors import ConfigError
from feeder.text import find_control

_Choice = TypeVar("_Choice", bound=str)  # a Literal of str, or a StrEnum
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_REQUIRED = object()
_Check = TypeVar("_Check", bound=Callable[..., Any])


class Problems(list[str]):
    """Every problem found in one file so far, one ``key: problem`` line each, in the order read."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # checks running: only the outermost one records (see checked)


def checked(fallback: Callable[..., Any] = lambda *args, **kwargs: None) -> Callable[[_Check], _Check]:
    """Make a check record its :class:`ConfigError` and return ``fallback(*its arguments)`` instead.

    The check's first argument is the :class:`Section` (``self`` for its methods), whose
    :class:`Problems` get the message.  Only the outermost check records: one that calls
    another (``number`` calls ``get``) sees the inner one's error as usual, so a key with
    a wrong value is reported once.  The stand-in only lets the reading go on; a file with
    any problem never becomes a :class:`~feeder.config.Config`.
    """

    def decorate(check: _Check) -> _Check:
        @functools.wraps(check)
        def run(sec: Section, *args: Any, **kwargs: Any) -> Any:
            problems = sec.problems
            if problems.depth:
                return check(sec, *args, **kwargs)
            problems.depth += 1
            try:
                return check(sec, *args, **kwargs)
            except ConfigError as exc:
                problems.extend(exc.problems)
                return fallback(sec, *args, **kwargs)
            finally:
                problems.depth -= 1

        return run  # type: ignore[return-value]  # same signature as check

    return decorate


class Section:
    """One mapping of the file: typed reads, and every key not read is an error."""

    def __init__(self, raw: Any, where: str, problems: Problems | None = None) -> None:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{where or 'the file'}: expected a mapping of keys, got {describe(raw)}")
        self.raw, self.where, self.seen = raw, where, set[str]()
        self.problems = Problems() if problems is None else problems  # shared by every section of one file

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    @checked(lambda sec, name, kind, default=_REQUIRED: None if default is _REQUIRED else default)
    def get(self, name: str, kind: type | tuple[type, ...], default: Any = _REQUIRED) -> Any:
        self.seen.add(name)
        value = self.raw.get(name)
        if value is None:
            if default is _REQUIRED:
                raise ConfigError(f"{self.key(name)}: required key is missing")
            return default
        if kind is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
            wanted = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise ConfigError(f"{self.key(name)}: expected {type_phrase(wanted)}, got {describe(value)} {value!r}")
        if isinstance(value, str) and find_control(value) is not None:  # a YAML escape such as "\x01" crashes feeds
            raise ConfigError(f"{self.key(name)}: contains a control character, {value!r}; remove it")
        return value

    @checked(lambda sec, name, kind, default, *bounds: default)
    def number(self, name: str, kind: type, default: Any, low: float, high: float | None = None) -> Any:
        value = self.get(name, kind, default)
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ConfigError(f"{self.key(name)}: must be {bound}, got {value}")
        return value

    @checked(lambda sec, name, choices, default: default)
    def choice(self, name: str, choices: tuple[_Choice, ...], default: _Choice) -> _Choice:
        value = self.get(name, str, default)
        for choice in choices:  # the choice itself, not the value read: typed as the choices are
            if value.lower() == choice:
                return choice
        raise ConfigError(f"{self.key(name)}: must be one of {', '.join(choices)}; got {value!r}")

    @checked(lambda sec, name: Section(None, sec.key(name), sec.problems))  # not a mapping: read as empty
    def section(self, name: str) -> Section:
        self.seen.add(name)
        return Section(self.raw.get(name), self.key(name), self.problems)

    def done(self) -> None:
        """Record every key that nothing read: a misspelt key silently ignored is a setting silently lost."""
        for name in self.raw:
            if name not in self.seen:
                import difflib  # only a config with a mistake pays for it

                near = difflib.get_close_matches(str(name), sorted(self.seen), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else f"; known keys: {', '.join(sorted(self.seen))}"
                self.problems.append(f"{self.key(str(name))}: unknown key{hint}")


@checked(lambda sec, name: "")
def text(sec: Section, name: str) -> str:
    value = sec.get(name, str).strip()
    if not value:
        raise ConfigError(f"{sec.key(name)}: must not be empty")
    return value


@checked(lambda sec: "")
def site_url(sec: Section) -> str:
    url = text(sec, "url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"{sec.key('url')}: must be an absolute http(s) URL such as https://example.com/, "
                          f"got {url!r}")
    return url if url.endswith("/") else url + "/"


@checked(lambda sec: "en")
def language(sec: Section) -> str:
    value = sec.get("language", str, "en")
    if not _LANGUAGE.match(value):
        raise ConfigError(f"{sec.key('language')}: must be a BCP 47 language tag such as 'en' or 'ja-JP', "
                          f"got {value!r}")
    return value


@checked(lambda sec: ZoneInfo("UTC"))
def timezone(sec: Section) -> ZoneInfo:
    name = sec.get("timezone", str, "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{sec.key('timezone')}: unknown IANA time zone {name!r} "
                          "(e.g. 'Asia/Tokyo', 'UTC')") from None


@checked()
def email(sec: Section, name: str, default: str | None) -> str | None:
    """A bare address (``site.author.email``), kept as written: feeds print it where only an address may go."""
    return _address(sec, name, default, check_address)


@checked()
def mailbox(sec: Section, name: str, default: str | None) -> str | None:
    """``address`` or ``Name <address>`` (``digest.from``), kept as written for the header."""
    return _address(sec, name, default, parse_mailbox)


def _address(sec: Section, name: str, default: str | None, check: Callable[[str], object]) -> str | None:
    """The string at *name*, kept as written once *check* (one of :mod:`feeder.addresses`' rules) accepts it."""
    value = sec.get(name, str, default)
    if value is not None:
        try:
            check(value)
        except ValueError as exc:
            raise ConfigError(f"{sec.key(name)}: {exc}") from None
    return value


@checked(lambda sec, name: ())
def mailboxes(sec: Section, name: str) -> tuple[str, ...]:
    """A list of ``address`` or ``Name <address>`` (``preview.test_to``); one string is a list of one.

    Each is checked as ``digest.from`` is, and every bad one is reported, by its place in the list.
    """
    value = sec.get(name, (list, str), [])
    items = [value] if isinstance(value, str) else value
    problems = []
    for index, entry in enumerate(items, 1):
        where = f"{sec.key(name)}[{index}]" if isinstance(value, list) else sec.key(name)
        if not isinstance(entry, str):
            problems.append(f"{where}: expected an address, got {describe(entry)} {entry!r}")
            continue
        try:
            parse_mailbox(entry)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise ConfigError(*problems)
    return tuple(items)


@overload
def path(sec: Section, name: str, default: str, root: Path) -> Path: ...
@overload
def path(sec: Section, name: str, default: None, root: Path) -> Path | None: ...
@checked(lambda sec, name, default, root: None if default is None else (root / default).resolve())
def path(sec: Section, name: str, default: str | None, root: Path) -> Path | None:
    value = sec.get(name, str, default)
    return None if value is None else (root / Path(value).expanduser()).resolve()


@checked()
def output_path(sec: Section, name: str, default: str | None) -> str | None:
    if name in sec.raw and sec.raw[name] in (None, False):
        sec.seen.add(name)
        return None
    value = sec.get(name, str, default)
    if value is None:
        return None
    pure = PurePosixPath(value)
    if not value or pure.is_absolute() or ".." in pure.parts or "\\" in value:
        raise ConfigError(f"{sec.key(name)}: must be a relative path inside output_dir, got {value!r}")
    return pure.as_posix()


@checked()
def switch_path(sec: Section, name: str, default: str) -> str | None:
    """An optional output: false/absent is off, true is on at *default*, a string is on at that path."""
    if sec.raw.get(name) is True:
        sec.seen.add(name)
        return default
    if name in sec.raw and not isinstance(sec.raw[name], (str, type(None), bool)):
        sec.get(name, (str, bool))  # raises, naming the key and the wrong type
    return output_path(sec, name, None)


@checked()
def hub_url(sec: Section, name: str) -> str | None:
    url = sec.get(name, str, None)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in url for c in "\r\n "):
        raise ConfigError(f"{sec.key(name)}: must be an absolute http(s) URL "
                          f"such as https://pubsubhubbub.appspot.com/, got {url!r}")
    return url


_PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title.html",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title.html",
    "none": "/:categories/:title.html",
}
PLACEHOLDERS = ("year", "short_year", "month", "i_month", "day", "i_day", "y_day", "hour",
                "minute", "second", "slug", "title", "categories",
                # Jekyll 4.3's others (Drops::UrlDrop)
                "output_ext", "short_month", "long_month", "w_year", "week", "w_day", "short_day", "long_day",
                "name", "slugified_categories", "collection", "path")


@checked(lambda sec, jekyll=None: jekyll or "/:year/:month/:day/:slug/")
def permalink(sec: Section, jekyll: str | None = None) -> str:
    """The posts' permalink template; *jekyll* is the Jekyll site's, when config.yaml sets none."""
    if jekyll is not None:
        value = jekyll
        sec.seen.add("permalink")
    else:
        value = sec.get("permalink", str, "/:year/:month/:day/:slug/")
        value = _PERMALINK_STYLES.get(value, value)
    if not value.startswith("/"):
        raise ConfigError(f"permalink: must start with '/', got {value!r}")
    for name in re.findall(r":([a-z_]+)", value):
        if name not in PLACEHOLDERS and name.removesuffix("_") not in PLACEHOLDERS:
            known = ", ".join(":" + p for p in PLACEHOLDERS)
            raise ConfigError(f"permalink: unknown placeholder ':{name}'; known: {known}")
    return value


@checked(lambda sec, name, default: time())
def clock_time(sec: Section, name: str, default: str) -> time:
    value = sec.get(name, str, default)
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise ConfigError(f"{sec.key(name)}: must be a 24-hour time HH:MM, got {value!r}")
    return time(int(match[1]), int(match[2]))


@checked()
def check_template(sec: Section, name: str, template: str, names: tuple[str, ...]) -> None:
    try:
        template.format(**{n: "" for n in names})
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"{sec.key(name)}: bad template {template!r} ({exc}); placeholders: "
                          + ", ".join("{" + n + "}" for n in names)) from None


def describe(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def type_phrase(word: str) -> str:
    return {"str": "a string", "int": "a whole number", "float": "a number", "bool": "true or false"}.get(word, word)
