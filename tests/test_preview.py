"""`feeder preview`, the editor's desk: the real command as a subprocess, spoken to over HTTP and in Chromium.

The pages are checked by their test IDs (``data-testid``) in the HTML the
server sends and, where a picture or a live page matters, in headless Chromium
driven over its DevTools protocol (tests/devtools.py): the screenshots of the
index, a week page (desktop, phone and dark mode) and a week with a broken post
are saved in the artifacts folder, and into docs/ for the README when
``FEEDER_UPDATE_DOCS=1``.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest
from browser import artifacts, chromium, read_png
from conftest import REPO, SAMPLE_NOW, missing_tool

from feeder.config import load_config
from feeder.digest.issue import PLACEHOLDER_RECIPIENT, build_issue
from feeder.digest.message import build_message

NOW = "2025-12-20T00:00:00Z"
BROKEN = "---\ntitle: \"Broken\ndate: 2025-12-12 10:00 +0900\n---\nThe closing quote is missing.\n"
LLAMA = "2025-12-11-meta-llama-4.md"


@dataclass
class Desk:
    """A running `feeder preview`: its process and port."""

    process: subprocess.Popen
    port: int

    def request(self, method: str, path: str, body: bytes | None = None, host: str | None = None,
                **headers: str) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{self.port}")
        for name, value in {**headers, **({"Content-Length": str(len(body))} if body is not None else {})}.items():
            conn.putheader(name.replace("_", "-"), value)
        conn.endheaders(body)
        response = conn.getresponse()
        text = response.read().decode("utf-8")
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path, **headers)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_desk(root: Path, env: dict[str, str] | None = None) -> Desk:
    """`feeder preview --port 0` on the site in *root*, once it says where it listens."""
    process = subprocess.Popen([sys.executable, "-m", "feeder.cli", "preview", "--config", str(root / "config.yaml"),
                                "--port", "0", "--now", NOW], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, **(env or {})})
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.fullmatch(r"preview at http://127\.0\.0\.1:(\d+)/ \(Ctrl-C stops it\)\n", line)
    if not found:
        process.kill()
        pytest.fail(f"feeder preview did not start: {line!r} {process.communicate(timeout=30)[1]}")
    return Desk(process, int(found[1]))


def stop(desk: Desk) -> str:
    """SIGTERM, as a service manager stops it; its stderr.  It must stop promptly, live streams open or not."""
    desk.process.send_signal(signal.SIGTERM)
    _out, err = desk.process.communicate(timeout=30)
    return err


@pytest.fixture
def site_with_problem(sample_site):
    (sample_site / "posts" / "2025-12-12-broken.md").write_text(BROKEN, encoding="utf-8")
    return sample_site


@pytest.fixture
def desk(site_with_problem):
    running = start_desk(site_with_problem)
    yield running
    stop(running)


def by_id(page: str, name: str) -> list[str]:
    """The inner HTML of each element with ``data-testid="name"`` (elements that do not nest their own kind)."""
    found = []
    for match in re.finditer(rf'<(\w+)[^<>]*\bdata-testid="{name}"[^<>]*>', page):
        tag, start = match[1], match.end()
        end = page.find(f"</{tag}>", start)
        found.append(page[start:end] if tag not in ("iframe", "meter", "input") else match[0])
    return found


# The parts

def test_the_preheader_is_read_without_its_padding():
    from feeder.preview.facts import preheader

    page = ('<body><div class="x preheader" style="display:none">今週 4本 — A &amp; B<span>!</span>'
            + "&#8204;&#160;" * 60 + '</div><p class="preheader">not this</p></body>')
    assert preheader(page) == "今週 4本 — A & B!" and preheader("<p>none</p>") == ""


def test_the_signature_changes_with_every_file_and_only_then(sample_site):
    from feeder.preview.watch import signature

    config = load_config(sample_site / "config.yaml")
    first = signature(config.path, config)
    assert signature(config.path, config) == first  # nothing read, nothing changed
    for changed in (sample_site / "posts" / LLAMA, sample_site / "templates" / "email" / "digest.txt",
                    sample_site / "config.yaml"):
        before = signature(config.path, config)
        os.utime(changed, ns=(1, changed.stat().st_mtime_ns + 1_000_000))
        assert signature(config.path, config) != before, changed.name
    new = sample_site / "posts" / "2025-12-13-new.md"
    before = signature(config.path, config)
    new.write_text("---\ntitle: New\n---\n", encoding="utf-8")
    assert signature(config.path, config) != before
    (sample_site / "posts" / "notes.txt").write_text("not a post", encoding="utf-8")
    assert signature(config.path, config) == signature(config.path, config)


# The pages over HTTP

def test_index_lists_every_week_with_its_posts_and_problems(desk):
    status, headers, page = desk.get("/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    rows = {m[1]: m[2] for m in re.finditer(r'data-week="([^"]+)">(.*?)</tr>', page, re.DOTALL)}
    assert list(rows) == ["2025-W51", "2025-W50", "2025-W49", "2025-W47"]
    assert by_id(rows["2025-W50"], "posts") == ["4"] and ">1<" in by_id(rows["2025-W50"], "problems")[0]
    assert "next to send" in rows["2025-W50"] and "in progress" in rows["2025-W51"]
    assert by_id(rows["2025-W49"], "problems") == ["0"]
    assert '<a href="/feeds/feed.xml">feed.xml</a>' in page
    assert headers["x-content-type-options"] == "nosniff"
    assert "script-src 'sha256-" in headers["content-security-policy"]


def test_the_week_page_shows_what_goes_out_and_what_is_wrong(desk, site_with_problem):
    status, _, page = desk.get("/weeks/2025-W50")
    assert status == 200
    config = load_config(site_with_problem / "config.yaml")
    issue = build_issue(config, SAMPLE_NOW, "2025-W50")
    html_part = build_message(config, issue, PLACEHOLDER_RECIPIENT, now=SAMPLE_NOW).get_body(("html",))
    sent = issue.size.encoded  # the part as it travels (quoted-printable), for the longest unsubscribe URL
    assert sent >= len(html_part.get_payload().encode()) > issue.size.decoded  # the sample recipient's is shorter
    assert by_id(page, "subject") == [issue.subject.replace("&", "&amp;")]
    assert by_id(page, "from") == ["ALLFORCES編集部 &lt;digest@allforces.example.com&gt;"]
    assert by_id(page, "preheader")[0].startswith("今週の新着記事 4本 — 週末メモ")
    assert by_id(page, "post-count") == ["4"]
    assert by_id(page, "size-bytes") == [f"{sent:,}"] and "of Gmail's 102,000-byte clip" in page
    assert f"{issue.size.decoded:,} bytes before transfer encoding" in by_id(page, "size")[0]
    assert f'value="{sent}"' in by_id(page, "clip-meter")[0]
    assert by_id(page, "problem") == ["<code>posts/2025-12-12-broken.md:2</code>: invalid YAML in front matter: "
                                       "found unexpected end of stream while scanning a quoted scalar"]
    assert by_id(page, "older") == ["← 2025-W49"] and by_id(page, "newer") == ["2025-W51 →"]
    frames = {name: by_id(page, f"frame-{name}")[0] for name in ("desktop", "phone", "dark")}
    assert 'width="602"' in frames["desktop"] and 'width="377"' in frames["phone"]  # 600 and 375 px inside
    assert "scheme=dark" in frames["dark"] and "scheme=light" in frames["phone"]
    assert "Set <code>preview.test_to</code>" in by_id(page, "send")[0]  # the sample config has none


def test_every_warning_is_on_the_page(site):
    """No unsubscribe URL and no sender: the issue's warning and the desk's own, each listed."""
    site.post("2025-12-10-one.md", "title: One\ndate: 2025-12-10 10:00")
    running = start_desk(site.root)
    try:
        status, _, page = running.get("/weeks/2025-W50")
    finally:
        stop(running)
    assert status == 200 and by_id(page, "warning") == [
        "neither serve.public_url nor digest.unsubscribe_url is set: the email has no unsubscribe link or "
        "List-Unsubscribe",
        "digest.from is not set: feeder send refuses to send without a sender"]
    assert by_id(page, "from") == ["(digest.from is not set)"]


def test_the_email_as_sent_and_pinned_light_or_dark(desk, site_with_problem):
    issue = build_issue(load_config(site_with_problem / "config.yaml"), SAMPLE_NOW, "2025-W50")
    status, headers, sent = desk.get("/weeks/2025-W50/email")
    assert status == 200 and sent == issue.personalize(PLACEHOLDER_RECIPIENT)[0]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "(prefers-color-scheme: dark)" in sent
    _, _, dark = desk.get("/weeks/2025-W50/email?scheme=dark")
    _, _, light = desk.get("/weeks/2025-W50/email?scheme=light")
    assert "prefers-color-scheme" not in dark + light
    assert "<style>:root{color-scheme:dark}</style>" in dark and "@media (min-width: 0px)" in dark
    assert "<style>:root{color-scheme:light}</style>" in light and "@media (max-width: 0px)" in light
    status, headers, text = desk.get("/weeks/2025-W50.txt")
    assert status == 200 and headers["content-type"] == "text/plain; charset=utf-8" and "続きを読む:" in text
    assert desk.get("/weeks/2025-W50/email?scheme=sepia")[0] == 404


def test_head_is_answered_like_get(desk):
    for path in ("/", "/weeks/2025-W50", "/weeks/2025-W50/email", "/feeds/feed.xml"):
        status, headers, body = desk.request("HEAD", path)
        get_status, get_headers, get_body = desk.get(path)
        assert (status, body) == (get_status, "") and status == 200, path
        assert headers["content-length"] == get_headers["content-length"] == str(len(get_body.encode())), path


def test_empty_impossible_and_unknown_weeks(desk):
    status, _, page = desk.get("/weeks/2025-W48")
    assert status == 404 and "nothing to send for 2025-W48" in by_id(page, "error")[0]
    assert by_id(page, "older") == ["← 2025-W47"]  # the desk still leads on
    assert desk.get("/weeks/2025-W48.txt")[0] == 404 and desk.get("/weeks/2025-W48/email")[0] == 404
    assert desk.get("/weeks/2025-W60")[0] == 404 and desk.get("/weeks/2025-W60.txt")[0] == 404


def test_feeds_are_exactly_what_publish_writes(desk, site_with_problem):
    from feeder.feeds.publish import publish

    config = load_config(site_with_problem / "config.yaml")
    publish(config, SAMPLE_NOW)
    for name in ("feed.xml", "atom.xml", "feed.json"):
        status, _, body = desk.get(f"/feeds/{name}")
        assert status == 200 and body.encode() == (config.output_dir / name).read_bytes(), name
    assert not feedparser.parse(desk.get("/feeds/feed.xml")[2].encode()).bozo


def test_nothing_outside_the_routes(desk):
    for path in ["/../config.yaml", "/weeks/../../config.yaml", "/%2e%2e/config.yaml", "/feeds/../config.yaml",
                 "/feeds/%2e%2e%2fconfig.yaml", "/posts/2025-12-11-meta-llama-4.md", "//etc/passwd", "/config.yaml",
                 "/weeks/2025-W50/../../../etc/passwd", "/weeks/2025-W50/email/../../config.yaml"]:
        status, _, body = desk.get(path)
        assert status == 404 and "週刊ダイジェスト" not in body and "root:" not in body and "smtp:" not in body, path


def test_only_the_loopback_address_is_served(desk):
    assert desk.get("/", host="evil.example:80")[0] == 421
    assert desk.get("/", host=f"evil.example:{desk.port}")[0] == 421  # DNS rebinding: a name that points here
    assert desk.get("/", host=f"localhost:{desk.port}")[0] == 200
    from feeder.preview.server import bind

    sock = bind(0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def test_a_template_error_names_the_file_the_line_and_the_value(desk, site_with_problem):
    template = site_with_problem / "templates" / "email" / "digest.html"
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines, 1) if "{{ item.title }}" in line)
    lines[number - 1] = lines[number - 1].replace("{{ item.title }}", "{{ item.extra.subtitle }}")
    template.write_text("".join(lines), encoding="utf-8")
    status, _, page = desk.get("/weeks/2025-W50")
    error = by_id(page, "error")[0]
    assert status == 500 and "Template error" in page
    assert f"{template}:{number}: template error: unknown value &#39;subtitle&#39;: the mapping has no " in error
    assert "{{ item.extra.subtitle }}" in error  # the line, quoted
    assert by_id(page, "problem")  # the broken post is still listed, and the way around
    template.write_text("<p>{% if <script> %}\n", encoding="utf-8")
    time.sleep(0.3)  # the next signature (files are stat'ed at most every 0.2 s)
    status, _, page = desk.get("/weeks/2025-W50")
    error = by_id(page, "error")[0]
    assert status == 500 and f"{template}:1: template error" in error and "<script> %}" not in page


def test_a_config_that_stops_loading_is_shown_until_it_loads_again(desk, site_with_problem):
    config = site_with_problem / "config.yaml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("permalink:", "permalnk:"), encoding="utf-8")
    status, _, page = desk.get("/")
    assert status == 500 and "permalnk: unknown key; did you mean &#39;permalink&#39;?" in page
    assert 'data-version="' in page and 'data-version=""' not in page  # it reloads itself once fixed
    config.write_text(good.replace("subject: \"{site}", "subject: \"Fixed {site}"), encoding="utf-8")
    time.sleep(0.3)
    status, _, page = desk.get("/weeks/2025-W50")
    assert status == 200 and by_id(page, "subject")[0].startswith("Fixed ALLFORCES")


def test_idle_connections_are_closed(sample_config):
    """Connections that never send a request are closed after the idle timeout, and others are served meanwhile."""
    import socket

    with in_process(sample_config, idle_timeout=1) as port:
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(50)]
        assert Desk(None, port).get("/")[0] == 200
        for conn in idle:
            assert conn.recv(1) == b""  # closed by the server, well before the 10 s this waits
            conn.close()


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_stops_at_once_with_a_live_page_open(desk, signal_number):
    """SIGTERM (a service manager) or Ctrl-C: the server stops within seconds, streams open or not."""
    conn = http.client.HTTPConnection("127.0.0.1", desk.port, timeout=30)
    conn.request("GET", "/events?v=0", headers={"Host": f"127.0.0.1:{desk.port}"})
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("content-type").startswith("text/event-stream")
    assert response.readline() == b"retry: 500\n"
    assert b"event: change" in response.readline() + response.readline()  # v=0 is not the files' signature
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", desk.port, timeout=30)
    conn.request("GET", "/events?v=" + re.search(r'data-version="(\w+)"', desk.get("/")[2])[1],
                 headers={"Host": f"127.0.0.1:{desk.port}"})
    assert conn.getresponse().status == 200  # a live page, waiting for a change
    desk.process.send_signal(signal_number)
    _out, err = desk.process.communicate(timeout=10)
    assert desk.process.returncode in (0, -signal.SIGTERM) and "Traceback" not in err  # uvicorn re-raises SIGTERM
    conn.close()


# Faults injected into a server run in this process (the same app and server, a Service that misbehaves)

class in_process:
    """The desk of *config* on a free port in a thread of this process; the port while it runs."""

    def __init__(self, config, service=None, idle_timeout: int = 10, **options) -> None:
        from feeder.cli.site import smtp_sender
        from feeder.preview.server import bind, make_server
        from feeder.preview.service import Service

        self.sock = bind(0)
        self.service = service or Service(config, lambda: SAMPLE_NOW, senders=smtp_sender, **options)
        self.server = make_server(self.service, self.sock, idle_timeout=idle_timeout)

    def __enter__(self) -> int:
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self.sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


STARS = "*" * 25_000 + "x" + "*" * 25_000  # 12,500 nested <strong>: css-inline overflowed its stack on it


def add_post(site_root: Path, name: str, body: str, date: str = "2025-12-09 12:00 +0900") -> None:
    (site_root / "posts" / name).write_text(f"---\ntitle: Hostile\ndate: {date}\n---\n{body}\n", encoding="utf-8")


def test_a_week_css_inline_crashed_on_is_shown_with_the_post_left_out(sample_site):
    add_post(sample_site, "2025-12-09-stars.md", STARS)
    running = start_desk(sample_site)
    try:
        status, _, page = running.get("/weeks/2025-W50")
        assert status == 200 and "Meta Llama 4" in running.get("/weeks/2025-W50/email")[2]
        assert by_id(page, "problem") == ["<code>posts/2025-12-09-stars.md</code>: cannot render: the HTML nests "
                                          "deeper than 512 levels; flatten it"]
        assert running.get("/")[0] == 200 and running.process.poll() is None  # still serving
        assert running.get("/feeds/feed.xml")[0] == 200  # the feed without it, and the terminal says why
    finally:
        err = stop(running)
    assert "2025-12-09-stars.md: cannot render: the HTML nests deeper than 512 levels; flatten it" in err


def test_a_crash_while_rendering_costs_that_request_only(sample_config):
    """Whatever kills the process that renders (a native library's segfault here) is a 500, and the next
    request is served as usual."""
    import ctypes
    import faulthandler

    from feeder.cli.site import smtp_sender
    from feeder.preview.service import Service

    tests = os.getpid()

    class Fragile(Service):
        def sheet(self, label, version):
            if label == "2025-W49":
                def crash():
                    if os.getpid() != tests:  # in the child: rendered in the server's own process, it would end
                        faulthandler.disable()  # pytest's would print the child's stack: expected here
                        ctypes.string_at(0)  # SIGSEGV
                return self.made("crash", crash)
            return super().sheet(label, version)

    service = Fragile(sample_config, lambda: SAMPLE_NOW, senders=smtp_sender)
    with in_process(sample_config, service=service) as port:
        status, _, page = Desk(None, port).get("/weeks/2025-W49")
        assert status == 500 and "Rendering this page crashed (SIGSEGV)" in page
        assert Desk(None, port).get("/weeks/2025-W50")[0] == 200


def test_the_render_time_limit_applies_and_the_index_does_not_wait(sample_site):
    """20,000 '[' take Python-Markdown over a minute: the post is left out after the limit, and the index
    is served meanwhile from another child."""
    add_post(sample_site, "2025-12-09-brackets.md", "[" * 20_000)
    with in_process(load_config(sample_site / "config.yaml"), time_limit=1.0) as port:
        desk = Desk(None, port)
        answers: dict[str, tuple[float, int, str]] = {}

        def fetch(path: str) -> None:
            began = time.monotonic()
            status, _, body = desk.get(path)
            answers[path] = (time.monotonic() - began, status, body)

        week = threading.Thread(target=fetch, args=("/weeks/2025-W50",))
        week.start()
        time.sleep(0.3)  # the week is rendering
        fetch("/")
        week.join(timeout=60)
        took, status, body = answers["/"]
        assert status == 200 and took < 5 and "2025-W50" in body
        took, status, body = answers["/weeks/2025-W50"]
        assert status == 200 and took < 20
        assert any("2025-12-09-brackets.md" in p and "Markdown took over 1 s to render" in p
                   for p in by_id(body, "problem"))


def test_a_post_dated_on_the_first_day_of_the_calendar(site):
    """0001-01-01 with a Sunday week start: the week starts on a day Python has no date for."""
    site.write_config("digest:\n  week_starts: sunday\n", timezone="UTC")
    hostile = Path(__file__).parent / "hostile" / "calendar-ends" / "0001-01-01-first-day.md"
    (site.posts / hostile.name).write_bytes(hostile.read_bytes())
    site.post("2025-12-10-today.md", "title: Today\ndate: 2025-12-10 12:00")
    running = start_desk(site.root)
    try:
        status, _, page = running.get("/")
        assert status == 200 and re.findall(r'data-week="([^"]+)"', page) == ["2025-W50", "0001-W01"]
        status, _, page = running.get("/weeks/0001-W01")
        assert status == 200 and by_id(page, "newer") == ["2025-W50 →"]
        assert "The first day" in running.get("/weeks/0001-W01/email")[2]
    finally:
        stop(running)


# In a real browser: screenshots, live reload, send a test

SHOTS = {"index": "preview-index.png", "week": "preview-week.png", "broken": "preview-broken-post.png"}


@pytest.fixture
def browser():
    if not chromium():
        missing_tool("chromium", "apt-get install chromium fonts-noto-cjk")
    from devtools import Browser

    with Browser() as running:
        yield running


def keep(png: Path) -> None:
    """A screenshot into the artifacts folder; into docs/ too (for the README) with FEEDER_UPDATE_DOCS=1."""
    folder = artifacts() / "preview"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, folder / png.name)
    if os.environ.get("FEEDER_UPDATE_DOCS"):
        shutil.copy(png, REPO / "docs" / png.name)


def live(tab) -> None:
    """Wait until the page is loaded and its live-reload stream is open."""
    tab.wait_for("document.readyState === 'complete' && document.getElementById('live').className === 'live on'")


def text_of(tab, name: str) -> list[str]:
    return tab.evaluate(f"[...document.querySelectorAll('[data-testid={name}]')].map(e => e.textContent.trim())")


def brightness(png: Path, rect: dict) -> float:
    """Mean brightness (0-255) of the pixels of *png* inside *rect* (CSS px = device px here), every 4th."""
    _w, height, bpp, rows = read_png(png)
    values = [sum(rows[y][x * bpp:x * bpp + 3]) / 3
              for y in range(int(rect["top"]) + 40, min(int(rect["bottom"]), height) - 4, 4)
              for x in range(int(rect["left"]) + 4, int(rect["right"]) - 4, 4)]
    return sum(values) / len(values)


def test_the_desk_in_chromium_screenshots(sample_site, browser, tmp_path):
    """The index, a week (desktop, phone, dark) and a week with a broken post, as an editor sees them."""
    running = start_desk(sample_site)
    try:
        tab = browser.tab(running.url + "/")
        live(tab)
        assert text_of(tab, "posts") == ["1", "4", "1", "1"] and text_of(tab, "problems") == ["0"] * 4
        keep(tab.screenshot(tmp_path / SHOTS["index"], 1100))

        tab.call("Page.navigate", url=running.url + "/weeks/2025-W50")
        live(tab)  # loaded: its frames too (a document's load waits for its frames')
        assert text_of(tab, "subject")[0].startswith("ALLFORCES Weekly 週刊ダイジェスト")
        assert text_of(tab, "post-count") == ["4"]
        assert text_of(tab, "from") == ["ALLFORCES編集部 <digest@allforces.example.com>"]
        assert text_of(tab, "preheader")[0].startswith("今週の新着記事 4本")
        assert text_of(tab, "size-bytes")[0].replace(",", "").isdigit() and text_of(tab, "problem") == []
        tab.size(1440)
        frames = tab.evaluate("Object.fromEntries([...document.querySelectorAll('iframe')].map(f => "
                              "[f.dataset.testid, {width: f.clientWidth, rect: f.getBoundingClientRect().toJSON()}]))")
        assert [frames[f"frame-{n}"]["width"] for n in ("desktop", "phone", "dark")] == [600, 375, 375]
        assert len({frames[f"frame-{n}"]["rect"]["top"] for n in ("desktop", "phone", "dark")}) == 1  # side by side
        inside = tab.evaluate("Object.fromEntries([...document.querySelectorAll('iframe')].map(f => [f.dataset.testid, "
                              "{background: getComputedStyle(f.contentDocument.body).backgroundColor, "
                              "scheme: getComputedStyle(f.contentDocument.documentElement).colorScheme, "
                              "widest: Math.max(...[...f.contentDocument.querySelectorAll('body *')].map("
                              "e => e.getBoundingClientRect().right)), text: f.contentDocument.body.innerText}]))")
        assert inside["frame-dark"]["scheme"] == "dark" and inside["frame-phone"]["scheme"] == "light"
        assert inside["frame-dark"]["background"] == "rgb(14, 17, 22)"  # the template's dark rule, applied
        assert inside["frame-desktop"]["background"] != "rgb(14, 17, 22)"
        assert inside["frame-phone"]["widest"] <= 375 and inside["frame-dark"]["widest"] <= 375  # no sideways scroll
        assert all("Meta Llama 4" in frame["text"] for frame in inside.values())
        png = keep_and_return(tab.screenshot(tmp_path / SHOTS["week"], 1440, height=1000))
        dark, light = (brightness(png, frames[f"frame-{n}"]["rect"]) for n in ("dark", "desktop"))
        assert dark < 70 < 170 < light

        (sample_site / "posts" / "2025-12-12-broken.md").write_text(BROKEN, encoding="utf-8")  # the page notices
        tab.wait_for("document.readyState === 'complete' && document.querySelectorAll('[data-testid=problem]').length")
        assert text_of(tab, "problem") == ["posts/2025-12-12-broken.md:2: invalid YAML in front matter: found "
                                           "unexpected end of stream while scanning a quoted scalar"]
        assert text_of(tab, "post-count") == ["4"]  # the other posts are all there
        keep(tab.screenshot(tmp_path / SHOTS["broken"], 1440, height=620))
        tab.call("Page.navigate", url=running.url + "/")
        live(tab)
        assert text_of(tab, "problems") == ["0", "1", "0", "0"]  # and the index counts it
    finally:
        stop(running)


def keep_and_return(png: Path) -> Path:
    keep(png)
    return png


def test_live_reload_in_a_real_browser(desk, site_with_problem, browser):
    """A post, a template and the config change in turn: each time the open page loads itself again and
    shows the change; the test only looks (it never reloads or navigates)."""
    tab = browser.tab(desk.url + "/weeks/2025-W50")
    live(tab)
    post = site_with_problem / "posts" / LLAMA
    template = site_with_problem / "templates" / "email" / "digest.html"
    config = site_with_problem / "config.yaml"
    size = text_of(tab, "size-bytes")[0]
    edits = [
        (post, lambda text: text.replace("title: ", "title: Edited live ", 1),
         "document.querySelector('[data-testid=preheader]').textContent.includes('Edited live')"),
        (template, lambda text: text.replace("</body>", "<p>" + "An added line. " * 40 + "</p></body>"),
         f"document.querySelector('[data-testid=size-bytes]').textContent !== {size!r}"),
        (config, lambda text: text.replace('subject: "{site}', 'subject: "Proof: {site}'),
         "document.querySelector('[data-testid=subject]').textContent.startsWith('Proof: ALLFORCES')"),
    ]
    for path, edit, changed in edits:
        tab.evaluate("window.unchanged = true")  # gone once the page has loaded itself again
        began = time.time()
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        tab.wait_for(f"!window.unchanged && document.readyState === 'complete' && {changed}")
        started = tab.evaluate("performance.timeOrigin") / 1000 - began
        shown = tab.evaluate("performance.timing.responseEnd") / 1000 - began
        print(f"{path.name}: reload began {started:.2f} s after the write, new page received at {shown:.2f} s")
    live(tab)  # and it listens again


def with_smtp(root: Path, port: int) -> None:
    """The site's config sending through the test's SMTP server on *port*, with two editors to proof to."""
    config = root / "config.yaml"
    text = config.read_text(encoding="utf-8").replace("host: localhost", "host: 127.0.0.1")
    text = text.replace("port: 587", f"port: {port}").replace("security: starttls", "security: none")
    text = text.replace("retries: 3", "retries: 0")
    config.write_text(text + "\npreview:\n  test_to:\n    - me@example.com\n    - \"Editor Two <two@example.com>\"\n",
                      encoding="utf-8")


def test_send_a_test_from_the_page_in_a_browser(sample_site, server, browser):
    smtp = server()
    with_smtp(sample_site, smtp.port)
    running = start_desk(sample_site, env={"FEEDER_SMTP_USERNAME": "", "FEEDER_SMTP_PASSWORD": ""})
    try:
        tab = browser.tab(running.url + "/weeks/2025-W50")
        live(tab)
        assert "me@example.com, Editor Two <two@example.com>" in text_of(tab, "send")[0]
        tab.evaluate("document.querySelector('[data-testid=send-test]').click()")
        tab.wait_for("document.readyState === 'complete' && !!document.querySelector('[data-testid=notice]')")
        assert tab.evaluate("[...document.querySelectorAll('[data-testid=notice] li')].map(e => e.textContent)") == [
            "test copy of 2025-W50 sent to me@example.com",
            "test copy of 2025-W50 sent to Editor Two <two@example.com>"]
        assert tab.evaluate("location.pathname") == "/weeks/2025-W50"  # back on the week (303 after the POST)
    finally:
        err = stop(running)
    assert sorted(r.rcpt_tos[0] for r in smtp.handler.received) == ["me@example.com", "two@example.com"]
    for received in smtp.handler.received:
        message = received.message
        assert message["Subject"].startswith("[TEST] ALLFORCES Weekly 週刊ダイジェスト")
        assert "Meta Llama 4" in message.get_body(("html",)).get_content()
    assert "test copy of 2025-W50 sent to Editor Two <two@example.com>" in err  # said on the terminal too


def test_cross_site_requests_cannot_send(sample_site, server):
    smtp = server()
    with_smtp(sample_site, smtp.port)
    running = start_desk(sample_site)
    try:
        _, _, page = running.get("/weeks/2025-W50")
        token = re.search(r'name="token" value="([^"]+)"', page)[1]
        form = "application/x-www-form-urlencoded"
        own = {"Content_Type": form, "Origin": running.url, "Sec_Fetch_Site": "same-origin"}
        refused = [
            ("no token", b"", own),
            ("a wrong token", b"token=" + token[::-1].encode(), own),
            ("another site's page", f"token={token}".encode(), {**own, "Origin": "http://evil.example"}),
            ("a sandboxed page", f"token={token}".encode(), {**own, "Origin": "null"}),
            ("Sec-Fetch-Site", f"token={token}".encode(), {**own, "Sec_Fetch_Site": "cross-site"}),
            ("same-site", f"token={token}".encode(), {**own, "Origin": None, "Sec_Fetch_Site": "same-site"}),
        ]
        for what, body, headers in refused:
            status, _, answer = running.request("POST", "/weeks/2025-W50/send-test", body,
                                                **{k: v for k, v in headers.items() if v is not None})
            assert status == 403 and "Refused" in answer, what
        assert running.get("/weeks/2025-W50/send-test")[0] == 405  # a link or an image cannot send either
        assert running.request("POST", "/weeks/2025-W50/send-test", b"x" * 10_000, **own)[0] == 413
        assert smtp.handler.received == [] and smtp.handler.rcpt_calls == {}  # nothing was sent
        status, headers, _ = running.request("POST", "/weeks/2025-W50/send-test", f"token={token}".encode(), **own)
        assert status == 303 and headers["location"].startswith("/weeks/2025-W50?notice=")
        assert len(smtp.handler.received) == 2  # with the token, from the desk itself: sent
    finally:
        stop(running)


def test_a_send_that_fails_says_why_on_the_page(sample_site, server):
    from mailserver import Recorder

    smtp = server(Recorder(rcpt=lambda address: "550 5.1.1 no such mailbox" if address.startswith("me@") else None))
    with_smtp(sample_site, smtp.port)
    running = start_desk(sample_site)
    try:
        _, _, page = running.get("/weeks/2025-W50")
        token = re.search(r'name="token" value="([^"]+)"', page)[1]
        _, headers, _ = running.request("POST", "/weeks/2025-W50/send-test", f"token={token}".encode(),
                                        Content_Type="application/x-www-form-urlencoded", Origin=running.url)
        _, _, page = running.get(headers["location"])
        notice = by_id(page, "notice")[0]
        assert 'class="box bad"' in page
        assert "me@example.com: rejected: 550 5.1.1 no such mailbox" in notice
        assert "test copy of 2025-W50 sent to Editor Two &lt;two@example.com&gt;" in notice
        _, headers, _ = running.request("POST", "/weeks/2025-W48/send-test", f"token={token}".encode(),
                                        Content_Type="application/x-www-form-urlencoded", Origin=running.url)
        _, _, page = running.get(headers["location"])
        assert "nothing to send for 2025-W48" in by_id(page, "notice")[0]
    finally:
        stop(running)
