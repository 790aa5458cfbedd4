"""`feeder preview`: a real server on a free port, fetched over HTTP."""

from __future__ import annotations

import http.client
import os
import threading
import time
from pathlib import Path

import feedparser
import pytest
from conftest import SAMPLE_NOW

from feeder.config import load_config
from feeder.preview import Preview, Response, make_server


@pytest.fixture
def server(sample_site):
    config = load_config(sample_site / "config.yaml")
    srv = make_server(Preview(config, lambda: SAMPLE_NOW), port=0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def get(server, path: str, host: str | None = None) -> tuple[int, dict[str, str], str]:
    port = server.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    response = conn.getresponse()
    body = response.read().decode("utf-8")
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_binds_loopback_only(server):
    assert server.server_address[0] == "127.0.0.1"


def test_index_lists_weeks_with_counts(server):
    status, headers, body = get(server, "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert '<a href="/weeks/2025-W50">2025-W50</a> (next to send)</td><td>4</td>' in body
    assert '<a href="/weeks/2025-W51">2025-W51</a> (in progress)</td><td>1</td>' in body
    assert '<a href="/feeds/feed.xml">feed.xml</a>' in body and headers["x-content-type-options"] == "nosniff"


def test_week_views(server):
    status, headers, body = get(server, "/weeks/2025-W50")
    assert status == 200 and 'role="presentation"' in body and "Meta Llama 4" in body
    assert "unsubscribe?email=subscriber%40example.com" in body
    assert "default-src 'none'" in headers["content-security-policy"]
    status, headers, text = get(server, "/weeks/2025-W50.txt")
    assert status == 200 and headers["content-type"] == "text/plain; charset=utf-8" and "続きを読む:" in text
    status, _, mobile = get(server, "/weeks/2025-W50/mobile")
    assert status == 200 and 'src="/weeks/2025-W50"' in mobile and "width:375px" in mobile


def test_empty_and_impossible_weeks(server):
    status, _, body = get(server, "/weeks/2025-W48")
    assert status == 404 and "nothing to send for 2025-W48" in body
    assert get(server, "/weeks/2025-W60")[0] == 404


def test_feeds_are_rendered_now(server):
    status, _, body = get(server, "/feeds/feed.xml")
    parsed = feedparser.parse(body.encode())
    assert status == 200 and not parsed.bozo and len(parsed.entries) >= 5
    assert get(server, "/feeds/atom.xml")[0] == 200


def test_feeds_are_exactly_what_publish_writes(server, sample_site):
    from feeder.feeds.publish import publish

    config = load_config(sample_site / "config.yaml")
    publish(config, SAMPLE_NOW)
    for name in ("feed.xml", "atom.xml", "feed.json"):
        assert get(server, f"/feeds/{name}")[2].encode() == (config.output_dir / name).read_bytes(), name


@pytest.mark.parametrize("path", ["/../config.yaml", "/weeks/../../config.yaml", "/%2e%2e/config.yaml",
                                  "/feeds/../config.yaml", "/feeds/%2e%2e%2fconfig.yaml",
                                  "/posts/2025-12-11-meta-llama-4.md",
                                  "/weeks/2025-W50/../../../etc/passwd", "//etc/passwd", "/config.yaml"])
def test_nothing_outside_the_routes(server, path):
    status, _, body = get(server, path)
    assert status == 404 and "ALLFORCES" not in body and "root:" not in body


def test_foreign_host_header_is_refused(server):
    assert get(server, "/", host="evil.example:80")[0] == 421


def test_edits_show_on_reload(server, sample_site):
    post = sample_site / "posts" / "2025-12-11-meta-llama-4.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Meta Llama 4、性能向上で何が変わる？",
                                                            "Fixed <typo> & more"), encoding="utf-8")
    template = sample_site / "templates" / "email" / "digest.txt"
    template.write_text(template.read_text(encoding="utf-8") + "EDITED {{ week }}\n", encoding="utf-8")
    _, _, body = get(server, "/weeks/2025-W50")
    assert "Fixed &lt;typo&gt; &amp; more" in body and "Fixed <typo>" not in body
    _, _, text = get(server, "/weeks/2025-W50.txt")
    assert text.endswith("EDITED 2025-W50\n") and "Fixed <typo> & more" in text


def test_a_template_error_is_shown_escaped(server, sample_site):
    (sample_site / "templates" / "email" / "digest.html").write_text("<p>{% if <script> %}\n")
    status, _, body = get(server, "/weeks/2025-W50")
    assert status == 500 and "digest.html:1: template error" in body and "<script>" not in body


def test_the_cli_serves(sample_site):
    """The command itself: start `feeder preview` on a free port in a thread and fetch its index."""
    import socket

    from click.testing import CliRunner

    from feeder.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    runner = CliRunner()
    args = ["preview", "--config", str(sample_site / "config.yaml"), "--port", str(port),
            "--now", "2025-12-20T00:00:00Z"]
    thread = threading.Thread(target=runner.invoke, args=(main, args), daemon=True)
    thread.start()
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/")
            body = conn.getresponse().read().decode()
            break
        except ConnectionRefusedError:
            threading.Event().wait(0.05)
    else:
        pytest.fail("feeder preview did not start")
    assert "2025-W50</a> (next to send)" in body


def test_a_post_that_breaks_while_a_feed_renders_is_reported_to_the_caller(sample_site, monkeypatch):
    """The page shows the feed without it; the CLI prints the problem (the library only hands it over)."""
    from feeder.errors import PostError
    from feeder.posts.render import Renderer

    render_paths = Renderer.render_paths

    def breaking(self, paths):
        rendered, problems = render_paths(self, paths)
        return rendered, [*problems, PostError("2025-12-11-gone.md", "cannot read: No such file or directory")]

    monkeypatch.setattr(Renderer, "render_paths", breaking)
    said: list[str] = []
    preview = Preview(load_config(sample_site / "config.yaml"), lambda: SAMPLE_NOW, report=said.append)
    assert preview.get("/feeds/feed.xml").status == 200
    assert said == ["2025-12-11-gone.md: cannot read: No such file or directory"]


# Issue 14, rows 1 and 18: hostile posts and clients against the preview.

STARS = "*" * 25_000 + "x" + "*" * 25_000  # 12,500 nested <strong>: css-inline overflowed its stack on it


def add_post(sample_site, name: str, body: str, date: str = "2025-12-09 12:00 +0900") -> None:
    (sample_site / "posts" / name).write_text(f"---\ntitle: Hostile\ndate: {date}\n---\n{body}\n", encoding="utf-8")


def start(config, idle_timeout: float = 10.0, **options):
    """A preview server of *config* in a thread (*options* for Preview); stop it with shutdown()."""
    srv = make_server(Preview(config, lambda: SAMPLE_NOW, **options), port=0, idle_timeout=idle_timeout)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return srv


def test_one_get_of_a_week_css_inline_crashed_on_no_longer_kills_the_server(sample_site):
    """The server runs as its own process here: before, that GET ended it (SIGSEGV) and this test with it."""
    import socket
    import subprocess
    import sys

    add_post(sample_site, "2025-12-09-stars.md", STARS)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "feeder.cli", "preview", "--config",
                             str(sample_site / "config.yaml"), "--port", str(port), "--now", "2025-12-20T00:00:00Z"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        class Remote:
            server_address = ("127.0.0.1", port)

        for _ in range(200):
            try:
                get(Remote, "/")
                break
            except ConnectionRefusedError:
                time.sleep(0.05)
        status, _, body = get(Remote, "/weeks/2025-W50")
        assert status == 200 and "Meta Llama 4" in body
        assert "Preview only: 1 post(s) left out of this digest" in body
        assert "2025-12-09-stars.md: cannot render: the HTML nests deeper than 512 levels" in body
        assert get(Remote, "/")[0] == 200 and proc.poll() is None  # still serving
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_a_crash_while_rendering_costs_that_request_only(sample_config):
    """Whatever kills the process that renders (a native library's segfault here) is a 500, and the next
    request is served as usual."""
    import ctypes
    import faulthandler

    tests = os.getpid()

    class Fragile(Preview):
        def _route(self, path):
            if path == "/crash" and os.getpid() == tests:  # rendered in the server's own process: not isolated
                return Response(200, "text/plain", b"not isolated: a crash here would end the tests")
            if path == "/crash":
                faulthandler.disable()  # pytest's would print the child's stack: expected here, so not shown
                ctypes.string_at(0)  # SIGSEGV
            return super()._route(path)

    srv = make_server(Fragile(sample_config, lambda: SAMPLE_NOW), port=0)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        status, _, body = get(srv, "/crash")
        assert status == 500 and "Rendering this page crashed (SIGSEGV)" in body
        assert get(srv, "/")[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()


def test_the_render_time_limit_applies_and_the_index_does_not_wait(sample_site):
    """20,000 '[' take Python-Markdown over a minute; the preview had no limit (SIGALRM needs the main thread)
    and the index waited for that render to end."""
    add_post(sample_site, "2025-12-09-brackets.md", "[" * 20_000)
    srv = start(load_config(sample_site / "config.yaml"), time_limit=1.0)
    try:
        answers: dict[str, tuple[float, int, str]] = {}

        def fetch(path: str) -> None:
            began = time.monotonic()
            status, _, body = get(srv, path)
            answers[path] = (time.monotonic() - began, status, body)

        week = threading.Thread(target=fetch, args=("/weeks/2025-W50",))
        week.start()
        time.sleep(0.3)  # the week is rendering
        fetch("/")
        week.join(timeout=60)
        took, status, body = answers["/"]
        assert status == 200 and took < 5 and "2025-W50" in body
        took, status, body = answers["/weeks/2025-W50"]
        assert status == 200 and took < 20 and "Meta Llama 4" in body
        assert "2025-12-09-brackets.md: Markdown took over 1 s to render" in body
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_post_dated_on_the_first_day_of_the_calendar(site):
    """0001-01-01 with a Sunday week start: the week starts on a day Python has no date for; every index
    request failed with OverflowError."""
    site.write_config("digest:\n  week_starts: sunday\n", timezone="UTC")
    hostile = Path(__file__).parent / "hostile" / "calendar-ends" / "0001-01-01-first-day.md"
    (site.posts / hostile.name).write_bytes(hostile.read_bytes())
    site.post("2025-12-10-today.md", "title: Today\ndate: 2025-12-10 12:00")
    srv = start(site.config)
    try:
        status, _, body = get(srv, "/")
        assert status == 200
        assert '<a href="/weeks/0001-W01">0001-W01</a></td><td>1</td>' in body
        assert '<a href="/weeks/2025-W50">2025-W50</a>' in body
        status, _, body = get(srv, "/weeks/0001-W01")
        assert status == 200 and "The first day" in body
    finally:
        srv.shutdown()
        srv.server_close()


def test_idle_connections_are_closed(sample_config):
    """50 connections that never send a request were all held open, a thread each, for ever."""
    import socket

    srv = start(sample_config, idle_timeout=0.5)
    try:
        idle = [socket.create_connection(srv.server_address, timeout=10) for _ in range(50)]
        began = time.monotonic()
        assert get(srv, "/")[0] == 200  # served meanwhile
        for conn in idle:
            assert conn.recv(1) == b""  # closed by the server
            conn.close()
        assert time.monotonic() - began < 8
    finally:
        srv.shutdown()
        srv.server_close()
