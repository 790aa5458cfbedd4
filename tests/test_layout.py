"""The shape of the code: wings import only downward (import-linter checks that in CI), and
imports inside functions are only the command boundary's and the heavy libraries' listed here."""

from __future__ import annotations

import ast
from pathlib import Path

import feeder

PACKAGE = Path(feeder.__file__).parent

# Libraries a module may import inside a function: each costs milliseconds of start-up that a
# warm `feeder publish` (which writes nothing) must not pay, and only some runs need it.
HEAVY = {
    "concurrent": "a thread pool for the fsyncs of a batch of writes (2.5 ms), only when a publish writes files",
    "ctypes": "asks the kernel to stop a worker with its parent; only worker processes load it",
    "cryptography": "reads and uses the DKIM key: about 15 ms, only for a site with smtp.dkim",
    "dkim": "dkimpy's DKIM canonicalization: 120 ms (dnspython), only for a site with smtp.dkim",
    "difflib": "suggests a key's right spelling; only a config with a mistake needs it",
    "email": "parses addresses; socket and friends cost 5 ms for configs without one",
    "feedgen": "builds RSS and Atom, pulls in lxml and dateutil: 45 ms",
    "http": "http.client (with ssl and socket): 30 ms, only when a WebSub hub is pinged",
    "jinja2": "templates: 90 ms, for the digest and the feed stylesheet only",
    "lxml": "feedgen's tree, used by feed extensions",
    "markdown": "Python-Markdown and its extensions: 30 ms, only when a post is rendered",
    "pymdownx": "the extensions of a Jekyll site's Markdown dialect: 30 ms (urllib), only for such a site's posts",
    "multiprocessing": "worker pools, only for batches large enough to pay for them",
    "regex": "grapheme clusters and scripts: 15 ms, only when excerpts are cut or reading time counted",
    "socket": "loaded with http.client, only when a WebSub hub is pinged",
    "ssl": "TLS for a WebSub hub on https, loaded with http.client",
}
# The CLI imports each command's module when that command runs: `feeder --help` loads none of them.
COMMAND_BOUNDARY = "cli/"


def _function_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, imported module) for every import nested inside a function."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    found += [(inner.lineno, alias.name) for alias in inner.names]
                elif isinstance(inner, ast.ImportFrom):
                    found.append((inner.lineno, "." * inner.level + (inner.module or "")))
    return sorted(set(found))


def test_imports_inside_functions_are_only_the_allowed_ones() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for line, module in _function_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if relative.startswith(COMMAND_BOUNDARY) and (module.startswith("feeder.") or module == "feeder"):
                continue
            if module.split(".")[0] not in HEAVY:
                wrong.append(f"feeder/{relative}:{line}: import {module} inside a function")
    assert not wrong, "\n".join(wrong)


def test_no_relative_imports() -> None:
    """Absolute imports name the wing a module comes from, so a wrong-way import shows where it is written."""
    relative = [f"{path.relative_to(PACKAGE)}:{node.lineno}" for path in sorted(PACKAGE.rglob("*.py"))
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom) and node.level]
    assert not relative


def test_the_public_api_resolves_every_name() -> None:
    for name in feeder.__all__:
        assert getattr(feeder, name) is not None


def test_python_liquid_is_loaded_only_when_a_post_has_liquid() -> None:
    """python-liquid costs ~180 ms to import (asyncio, babel): feeder.posts.liquid loads its engine module
    (feeder.posts.liquid_env, which imports it at the top) with importlib on first use, never at import."""
    import subprocess
    import sys

    script = ("import sys, feeder.feeds.publish, feeder.digest.issue, feeder.preview, feeder.posts.liquid_check; "
              "print(sorted(m for m in sys.modules if m == 'liquid' or m.startswith(('liquid.', "
              "'feeder.posts.liquid_'))))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['feeder.posts.liquid_check']"
