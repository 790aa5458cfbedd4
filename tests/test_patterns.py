"""Every regular expression in feeder runs in time linear in its input (issue 14, row 19).

Patterns read posts, configs, recipient lists, URLs and HTML, so each must stay
linear whatever it is given: a pattern with quantifiers that compete for the
same characters backtracks quadratically or exponentially, and one typo (an
unclosed quote) hung ``feeder check`` for hours.  The patterns are found, not
listed: every module-level pattern of every feeder module, and every literal
pattern passed to ``re``/``regex`` anywhere in the code (a new call site whose
pattern cannot be found this way fails the first test until it is covered).
Each is then fed long inputs built to make backtracking hurt: a prefix that
starts a match, one short unit repeated to 100,000 characters (among the units,
the literal text the pattern's matches open with, so that the scan starts and
gives up a match at every copy), and a tail that spoils the match at the very
end.  Linear patterns take milliseconds on these; the quadratic ones this
replaced took seconds (the mildest, 1.5 s at this size), the exponential one
forever.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import feeder
from feeder.deadline import Expired, deadline
from feeder.feeds import labels
from feeder.posts import post

PACKAGE = Path(feeder.__file__).parent
SIZE = 100_000  # characters of each input: quadratic patterns take seconds here, linear ones milliseconds
LIMIT = 1.0  # seconds one call may take (a generous bound: shared CI machines are slow, never that slow)
_CALLS = {"compile", "match", "search", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
# How feeder applies a pattern, as far as time goes: anchored at the start, anchored at both ends, or
# tried at every position (search; findall also stands for sub, finditer and split, which scan on).
_APPLY = ("findall", "fullmatch", "match", "search")
_SCANS = {"sub": "findall", "subn": "findall", "finditer": "findall", "split": "findall"}
_FLAGS = {name: getattr(re, name) for name in ("ASCII", "DOTALL", "IGNORECASE", "MULTILINE", "VERBOSE", "UNICODE")}

# Patterns built at run time, inside functions: exercised through their function.
def _label_line(text: str) -> object:
    """labels._line (the line of a post's tags, for a warning) on a post whose front matter is *text*."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "p.md").write_bytes(b"---\n" + text.encode("utf-8", "surrogatepass") + b"\n---\n")
        return labels._line(SimpleNamespace(posts_dir=Path(folder)), "p.md", "tags")  # a Config as far as _line goes


DYNAMIC: dict[tuple[str, str], Callable[[str], object]] = {
    ("posts/post.py", "_line_of"): lambda text: (post._line_of(text, "title"), post._line_of(text, "a")),
    ("feeds/labels.py", "_line"): _label_line,
}


def _call_sites() -> list[tuple[str, str | None, ast.Call, bool]]:
    """(file, enclosing function or None, call, at module level) for every re.X / regex.X call in feeder."""
    sites = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {id(inner): node.name for node in ast.walk(tree)
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) for inner in ast.walk(node)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in ("re", "regex")
                    and node.func.attr in _CALLS):
                function = functions.get(id(node))
                sites.append((relative, function, node, function is None))
    return sites


def _flags(call: ast.Call) -> int:
    flags = 0
    for arg in [*call.args[1:], *(k.value for k in call.keywords)]:
        names = {n.attr for n in ast.walk(arg) if isinstance(n, ast.Attribute) and n.attr in _FLAGS}
        for name in names:
            flags |= _FLAGS[name]
    return flags


def _uses(module: str, name: str) -> tuple[str, ...]:
    """The methods *module* calls on its pattern *name* (``_WEEK.match(...)``); all of them when it hides that."""
    source = PACKAGE.parent / (module.replace(".", "/") + ".py")
    tree = ast.parse(source.read_text(encoding="utf-8")) if source.exists() else ast.Module(body=[], type_ignores=[])
    uses = {_SCANS.get(node.attr, node.attr) for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and node.attr in (*_APPLY, *_SCANS) and isinstance(node.value, ast.Name) and node.value.id == name}
    return tuple(sorted(uses)) or _APPLY


def _patterns() -> dict[str, tuple[Any, tuple[str, ...]]]:
    """Every pattern feeder applies, by a readable name, with the methods it is applied with."""
    found: dict[str, tuple[Any, tuple[str, ...]]] = {}
    for info in pkgutil.walk_packages(feeder.__path__, "feeder."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            values = value if isinstance(value, (tuple, list)) else (value,)
            for index, item in enumerate(values):
                if isinstance(item, re.Pattern) or type(item).__module__.startswith("regex"):
                    label = f"{info.name}.{name}" + (f"[{index}]" if value is not item else "")
                    found[label] = (item, _uses(info.name, name))
    for relative, function, call, top in _call_sites():  # literal patterns, where they are written
        pattern = call.args[0] if call.args else None
        library, method = call.func.value.id, call.func.attr  # type: ignore[attr-defined]
        if not isinstance(pattern, ast.Constant) or not isinstance(pattern.value, (str, bytes)):
            continue
        compiled = (regex if library == "regex" else re).compile(pattern.value, _flags(call))
        if method != "compile":  # applied where it is written
            found[f"feeder/{relative}:{function}() {library}.{method}({pattern.value!r:.40})"] = (
                compiled, (_SCANS.get(method, method),))
        elif not top:  # compiled inside a function, e.g. on first use: applied who knows how
            found[f"feeder/{relative}:{function}() {library}.compile({pattern.value!r:.40})"] = (compiled, _APPLY)
    return found


PATTERNS = _patterns()
# Applied only to text feeder itself produced, where what would make them slow cannot occur.
OWN_OUTPUT = {
    "feeder.digest.body._AT_RULES": "searched once in css-inline's output of the site's own template: posts reach "
                                    "it as escaped text or sanitized HTML, never as a <style> element",
    "feeder.digest.body._KEPT": "applied to the site's own template as rendered: posts reach it as escaped text or "
                                "sanitized HTML, never as a <style> element",
}


def test_every_pattern_in_the_code_is_exercised() -> None:
    """A pattern built from a variable inside a function cannot be found: it must be listed in DYNAMIC."""
    unknown = [f"feeder/{relative}:{call.lineno} in {function}()" for relative, function, call, top in _call_sites()
               if not top and not isinstance(call.args[0], ast.Constant) and (relative, function) not in DYNAMIC]
    assert not unknown, "patterns built at run time that no test exercises: " + ", ".join(unknown)
    assert len(PATTERNS) > 40  # the module-level ones and the literal ones (the same pattern counts once per name)
    assert OWN_OUTPUT.keys() <= PATTERNS.keys()


# (prefix, unit repeated to SIZE characters, tail): what made the old patterns backtrack, and their kin.
CURATED = [
    ("", " ", "x"), ("", "a", "!"), ("", "a ", "<"), ("", "\t", "x"), ("", "\n", "x"), ("", "-", "x"), ("", "0", "x"),
    ("", ":", "x"), ("", "/", "x"), ("", "'", "x"), ("", "\\", "x"), ("", "%", "x"), ("", "&", "x"), ("", "[", "x"),
    ('"', "a", ""), ('"', "a\\\"", ""), ('title: "', "ab", ""), ("k:", " ", ""), ("k:", " ", "\x00"), ("- ", " ", ""),
    (" ", " ", "-"), ("k: a", " ", "\x00"), ("2025-01-01", " ", "x"), ("2025-01-01T", "T", "x"),
    ("2025-01-01 10:00", " ", "x"), ("[", '"a", ', ""), ("[", '"a" ,', "x"), ("", "<", ""), ("", "<a ", ""),
    ("", "<p>", ""), ("", "<img ", ""), ("", "<img alt", ""), ("", "<div ", ""), ("", "<style>", ""),
    ("", "<title>", ""), ("", "a@", ""), ("", "a.", "."), ("", "---", " "), ("", "--- ", "x"), ("tag:", "a", ""),
    ("tag:a,2025:", "a", "#"), ("urn:a1:", "a", "%"), ("https://", "a", "/"), ("/weeks/", "2", ""),
    ("", ":a", ""), ("name ", " ", "<a@b"), ("<a@b>", " ", "x"), ("", "# ", ""),
]


def _linear(pattern: Any, methods: tuple[str, ...], text: str) -> list[str]:
    """Apply *pattern* to *text* as feeder does; the calls that took longer than LIMIT."""
    data: str | bytes = text.encode("utf-8", "surrogatepass") if isinstance(pattern.pattern, bytes) else text
    slow = []
    for method in (getattr(pattern, name) for name in methods):
        started = time.perf_counter()
        try:
            with deadline(10 * LIMIT):  # stop an exponential pattern rather than hang the suite
                method(data)
        except Expired:
            pass
        took = time.perf_counter() - started
        if took > LIMIT:
            slow.append(f"{method.__name__} took {took:.1f} s")
    return slow


CHECKED = sorted(PATTERNS.keys() - OWN_OUTPUT.keys())


def _opening(pattern: Any) -> str:
    """The literal text a pattern's matches start with (``<body`` of ``<body\\b[^>]*>``): repeated, it makes
    the scan start a match, and give it up, at every copy."""
    source = pattern.pattern.decode("latin-1") if isinstance(pattern.pattern, bytes) else pattern.pattern
    source, opening, i = source.removeprefix("^"), "", 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source) and not source[i + 1].isalnum():
            opening, i = opening + source[i + 1], i + 2
        elif char in "\\()[]{}.*+?|^$":
            break
        else:
            opening, i = opening + char, i + 1
    if i < len(source) and source[i] in "*?{":  # the last character was optional: not part of every match
        opening = opening[:-1]
    return opening


@pytest.mark.parametrize("name", CHECKED)
def test_curated_long_inputs_run_in_linear_time(name: str) -> None:
    pattern, methods = PATTERNS[name]
    slow = []
    opening = _opening(pattern)
    own = [(opening, unit, "") for unit in (opening, opening + " ", opening + "a")] if opening else []
    for prefix, unit, tail in CURATED + own:
        text = prefix + unit * (SIZE // len(unit)) + tail
        slow += [f"{(prefix, unit, tail)!r}: {s}" for s in _linear(pattern, methods, text)]
    assert not slow, f"{name} ({pattern.pattern!r}): " + "; ".join(slow)


def _alphabet(pattern: Any) -> str:
    """The characters a pattern names (literals and class members, roughly), and a few of any input's."""
    source = pattern.pattern.decode("latin-1") if isinstance(pattern.pattern, bytes) else pattern.pattern
    named = {c for c in source if c.isprintable() and c not in "()?*+{}|^$"}
    return "".join(sorted(named | set(" a0<>\"'\n\t-:"))).replace("\\", "") + "\\"


@pytest.mark.parametrize("name", CHECKED)
@settings(max_examples=8, deadline=None, database=None)
@given(data=st.data())
def test_long_unterminated_inputs_run_in_linear_time(name: str, data: st.DataObject) -> None:
    pattern, methods = PATTERNS[name]
    letters = _alphabet(pattern)
    prefix = data.draw(st.text(letters, max_size=12), label="prefix")
    unit = data.draw(st.text(letters, min_size=1, max_size=4), label="unit")
    tail = data.draw(st.text(letters, max_size=3), label="tail")
    slow = _linear(pattern, methods, prefix + unit * (SIZE // len(unit)) + tail)
    assert not slow, f"{name} ({pattern.pattern!r}) on {prefix!r} + {unit!r} * n + {tail!r}: " + "; ".join(slow)


@pytest.mark.parametrize("site", sorted(DYNAMIC))
def test_dynamic_patterns_run_in_linear_time(site: tuple[str, str]) -> None:
    run = DYNAMIC[site]
    for prefix, unit, tail in CURATED:
        text = prefix + unit * (SIZE // len(unit)) + tail
        started = time.perf_counter()
        with deadline(10 * LIMIT):
            run(text)
        assert time.perf_counter() - started < LIMIT, (site, prefix, unit, tail)


@pytest.mark.parametrize("name, text", [
    pytest.param("feeder.posts.plainyaml._DOUBLE", '"Broken: the quote never closes', id="unclosed quote"),  # > 60 s
    pytest.param("feeder.posts.plainyaml._DOUBLE", '"' + "a" * SIZE, id="long unclosed quote"),
    pytest.param("feeder.posts.plainyaml._KEY_VALUE", "title:" + " " * SIZE, id="key, then spaces"),  # 3 s at 20,000
    pytest.param("feeder.dates._DATE", "2025-12-11" + " " * SIZE + "x", id="date, spaces, junk"),  # 0.9 s at 8,000
    pytest.param("feeder.mail.recipients._QUOTED_OR_COMMENT", '"' + 'a\\"' * (SIZE // 3),
                 id="recipient line, unclosed quote"),  # 2.6 s at 8,000 units
    pytest.param("feeder.digest.body._IMG_WITHOUT_ALT", "<img " * (SIZE // 5), id="unclosed img"),  # 9 s at 40,000
    pytest.param("feeder.feeds.rss_atom._PLAIN_RSS", "<title>" * (SIZE // 7), id="unclosed RSS titles"),
    pytest.param("feeder.preview.pages._HEAD", "<head " * (SIZE // 6), id="unclosed head tags"),  # as _BODY was: 1.5 s
])
def test_the_patterns_that_backtracked(name: str, text: str) -> None:
    """The cases found in the audit, by name, so that a regression names its pattern."""
    pattern, methods = PATTERNS[name]
    assert methods != _APPLY  # found how the code applies it
    assert not _linear(pattern, methods, text)
