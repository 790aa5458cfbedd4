"""Shared fixtures: the bundled sample site, throwaway sites, and the CLI runner."""

from __future__ import annotations

import email
import importlib.util
import io
import json
import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest
from click.testing import CliRunner
from disks import Tmpfs
from mailserver import Recorder, Server

from feeder.config import Config, load_config
from feeder.digest.issue import Issue

REPO = Path(__file__).resolve().parent.parent
SAMPLE_NOW = datetime(2025, 12, 20, tzinfo=timezone.utc)
SAMPLE_POST = REPO / "posts" / "2025-12-11-meta-llama-4.md"
# The longest address a recipient can have (RFC 5321: 254), its local part all characters a URL encodes
LONGEST_ADDRESS = "+" * 64 + "@" + ".".join(c * 59 for c in "bcd") + ".example"  # 252 characters
REQUIRE_TOOLS = bool(os.environ.get("FEEDER_REQUIRE_TOOLS"))  # set by .ci/run: CI never skips these


def missing_tool(what: str, install: str) -> NoReturn:
    """Skip a test whose outside tool is missing here, but fail it in CI: there a skip would hide a broken setup."""
    if REQUIRE_TOOLS:
        pytest.fail(f"{what} required (FEEDER_REQUIRE_TOOLS is set)")
    pytest.skip(f"needs {what}: {install}")


def heavy_week() -> ModuleType:
    """bench/heavy_week.py, the generated 20-post heavy week, loaded as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("heavy_week", REPO / "bench" / "heavy_week.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def html_as_sent(config: Config, issue: Issue, to: str = LONGEST_ADDRESS) -> tuple[int, str]:
    """(bytes, transfer encoding) of the HTML part's body in *to*'s message as it goes on the wire (CRLF)."""
    from feeder.digest.message import build_message

    raw = build_message(config, issue, to, now=SAMPLE_NOW).as_bytes()
    part = email.message_from_bytes(raw, policy=email.policy.SMTP).get_body(("html",))
    assert part is not None
    return len(part.get_payload(decode=False).encode("ascii")), str(part["Content-Transfer-Encoding"])


VNU_JARS = [os.environ.get("FEEDER_VNU_JAR", ""), REPO / ".ci/vnu/node_modules/vnu-jar/build/dist/vnu.jar"]


def nu_checker(page: Path) -> list[dict]:
    """The Nu HTML checker's messages on the HTML file *page* (java and vnu.jar: FEEDER_VNU_JAR or .ci/vnu)."""
    jar = next((Path(j) for j in VNU_JARS if j and Path(j).is_file()), None)
    java = shutil.which("java")
    if not (jar and java):
        missing_tool("java and vnu.jar", "npm install --prefix .ci/vnu vnu-jar")
    done = subprocess.run([java, "-jar", str(jar), "--format", "json", "--stdout", str(page)],
                          capture_output=True, text=True, timeout=300, check=False)
    return json.loads(done.stdout)["messages"]


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A copy of the bundled site (config.yaml and posts/) in a temporary folder."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "posts", tmp_path / "posts")
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", tmp_path / "templates")
    return tmp_path


@pytest.fixture
def jekyll_site(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/jekyll-site (a Jekyll site with a four-line config.yaml); its folder."""
    site = tmp_path / "jekyll-site"
    shutil.copytree(Path(__file__).parent / "fixtures" / "jekyll-site", site)
    return site


@pytest.fixture
def sample_config(sample_site: Path) -> Config:
    return load_config(sample_site / "config.yaml")


class Site:
    """A small site built by a test: write posts, get its config."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.posts = root / "posts"
        self.posts.mkdir(parents=True, exist_ok=True)
        self.write_config()

    def write_config(self, extra: str = "", **site: str) -> Path:
        fields = {"title": "Test Site", "url": "https://example.com/blog/", "language": "en",
                  "timezone": "Asia/Tokyo", **site}
        lines = "\n".join(f"  {k}: {v!r}" if isinstance(v, str) else f"  {k}: {v}" for k, v in fields.items())
        (self.root / "config.yaml").write_text(f"site:\n{lines}\n{textwrap.dedent(extra)}", encoding="utf-8")
        return self.root / "config.yaml"

    def post(self, name: str, front: str = "", body: str = "Hello.\n", raw: bytes | None = None) -> Path:
        path = self.posts / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if raw is not None:
            path.write_bytes(raw)
        else:
            path.write_text(f"---\n{textwrap.dedent(front).strip()}\n---\n{textwrap.dedent(body)}", encoding="utf-8")
        return path

    @property
    def config(self) -> Config:
        return load_config(self.root / "config.yaml")


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


@pytest.fixture
def cli():
    """Run the feeder CLI in-process; returns the click Result."""
    from feeder.cli import main

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [str(a) for a in args], prog_name="feeder", catch_exceptions=False)

    return run


@pytest.fixture
def read_feed():
    """Parse a written feed file with feedparser, insisting it is well-formed (bozo == 0)."""
    import feedparser

    def read(path: Path):
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, f"{path}: {parsed.get('bozo_exception')!r}"
        return parsed

    return read


@pytest.fixture
def server():
    """Start real SMTP servers on 127.0.0.1 (aiosmtpd): ``server(handler, **options)``; all stopped after."""
    servers: list[Server] = []

    def start(handler: Recorder | None = None, **kw) -> Server:
        s = Server(handler or Recorder(), **kw)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def tmpfs():
    """Mount small file systems to fill: ``tmpfs(path, size)`` (root only; CI runs as root); unmounted after."""
    mounted: list[Path] = []

    def mount(path: Path, size: int = 1 << 20) -> Tmpfs:
        if os.geteuid() != 0:
            missing_tool("root, to mount a small tmpfs and fill it", "run the tests as root (CI does)")
        try:
            disk = Tmpfs(path, size)
        except subprocess.CalledProcessError as exc:
            missing_tool(f"a tmpfs mount ({exc.stderr.decode(errors='replace').strip()})",
                         "run the tests as root with CAP_SYS_ADMIN (CI does)")
        mounted.append(path)
        return disk

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def validate_feed() -> Callable[[Path, str], list[str]]:
    """The pinned W3C feed validator as a function: ``validate_feed(path, base)`` -> its errors and warnings.

    ``base`` is the URL the feed will be served from, so links and the rel="self" href are judged against the
    feed's real address. The answer is empty only for a feed the validator read as RSS or Atom and found
    nothing wrong in, at the level the public service reports (errors and warnings, no notices).
    """
    try:
        import feedvalidator
        from feedvalidator import compatibility
        from feedvalidator import logging as fvlog
        from feedvalidator.formatter.text_plain import Formatter
    except ImportError:
        missing_tool("the W3C feed validator (Python package feedvalidator)",
                     "README.md says how to build it from github.com/w3c/feedvalidator at the pinned commit")

    def validate(path: Path, base: str) -> list[str]:
        try:
            result = feedvalidator.validateStream(io.BytesIO(path.read_bytes()), base=base)
            events, feed_type = result["loggedEvents"], result["feedType"]
        except fvlog.ValidationFailure as failure:  # a feed it cannot read at all: one event, no type
            events, feed_type = [failure.event], fvlog.TYPE_UNKNOWN
        shown = compatibility.AA(events)
        text = Formatter(shown)
        messages = [f"{'error' if isinstance(event, fvlog.Error) else 'warning'}: {text.format(event)} "
                    f"[{type(event).__name__}]" for event in shown]
        if feed_type not in (fvlog.TYPE_RSS2, fvlog.TYPE_ATOM):
            seen = fvlog.FEEDTYPEDISPLAY[feed_type]
            messages.append(f"error: not an RSS or Atom feed to the validator, which saw {seen}")
        return messages

    return validate
