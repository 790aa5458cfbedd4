"""WebSub: hub links in the feeds, pings to a real HTTP hub on 127.0.0.1, and a hub that is down."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from feeder.feeds import websub
from feeder.feeds.websub import http_post, ping

NOW = "2025-12-20T00:00:00Z"


class Hub:
    """A WebSub hub that records each publish request and answers with *status*."""

    def __init__(self, status: int = 204, location: str | None = None) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.content_types: list[str] = []
        self.methods: list[str] = []
        self.status, self.location = status, location
        self.stall = threading.Event()  # while set, every request is read and then left without an answer
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hub.requests.append(parse_qs(body.decode("ascii")))
                hub.content_types.append(self.headers["Content-Type"])
                hub.methods.append("POST")
                while hub.stall.is_set():
                    time.sleep(0.05)
                self.send_response(hub.status)
                if hub.location:
                    self.send_header("Location", hub.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                hub.methods.append("GET")
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def announced(self) -> list[str]:
        return [r["hub.url"][0] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    server = Hub()
    yield server
    server.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hub_site(site, hub_url: str) -> Path:
    site.write_config(f"feeds:\n  json: feed.json\n  websub_hub: {hub_url}\n")
    site.post("2025-01-01-a.md", "title: A")
    return site.root / "config.yaml"


FEEDS = ["https://example.com/blog/feed.xml", "https://example.com/blog/atom.xml", "https://example.com/blog/feed.json"]


def test_feeds_link_to_the_hub(site, cli, read_feed, hub) -> None:
    import json

    config = hub_site(site, hub.url)
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    for name in ("feed.xml", "atom.xml"):
        feed = read_feed(site.root / "public" / name)
        assert [link.href for link in feed.feed.links if link.rel == "hub"] == [hub.url]
    document = json.loads((site.root / "public" / "feed.json").read_text())
    assert document["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_publish_pings_the_hub_only_for_feeds_whose_bytes_changed(site, cli, hub) -> None:
    config = hub_site(site, hub.url)
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    assert sorted(hub.announced) == sorted(FEEDS)
    assert all(r["hub.mode"] == ["publish"] for r in hub.requests)
    assert set(hub.content_types) == {"application/x-www-form-urlencoded"}
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    assert len(hub.requests) == 3  # nothing changed: no ping
    (site.posts / "2025-01-01-a.md").touch()  # new mtime, same bytes out: still no ping
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    assert len(hub.requests) == 3
    site.post("2025-01-02-b.md", "title: B")
    assert cli("publish", "--config", config, "--now", NOW, "-v").exit_code == 0
    assert sorted(hub.announced[3:]) == sorted(FEEDS)


def test_a_hub_that_is_down_warns_keeps_exit_0_and_is_retried(site, cli) -> None:
    port = free_port()
    config = hub_site(site, f"http://127.0.0.1:{port}/hub")
    result = cli("publish", "--config", config, "--now", NOW)
    assert result.exit_code == 0
    assert "warning: WebSub hub" in result.stderr and "unreachable" in result.stderr
    assert (site.root / "public" / "atom.xml").is_file()
    server = Hub()
    try:
        site.write_config(f"feeds:\n  json: feed.json\n  websub_hub: {server.url}\n")
        # the config changed (new hub URL), so every feed changes: all three are announced
        assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
        assert sorted(server.announced) == sorted(FEEDS)
    finally:
        server.close()


def test_pending_pings_survive_until_the_hub_is_back(site, cli) -> None:
    failing = Hub(status=503)
    try:
        config = hub_site(site, failing.url)
        result = cli("publish", "--config", config, "--now", NOW)
        assert result.exit_code == 0 and "answered 503" in result.stderr
        failing.status = 202
        again = cli("publish", "--config", config, "--now", NOW)  # no feed changed, the pings are still owed
        assert again.exit_code == 0 and again.stderr == ""
        assert sorted(failing.announced[3:]) == sorted(FEEDS)
        assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
        assert len(failing.requests) == 6  # owed nothing any more
    finally:
        failing.close()


def test_ping_with_an_injected_poster() -> None:
    calls: list[tuple[str, bytes]] = []

    def poster(url: str, body: bytes) -> int:
        calls.append((url, body))
        return 400 if b"bad" in body else 202

    report = ping("https://hub.example/", ["https://e.com/feed.xml", "https://e.com/bad.xml"], poster)
    assert calls[0] == ("https://hub.example/", b"hub.mode=publish&hub.url=https%3A%2F%2Fe.com%2Ffeed.xml")
    assert report.pinged == ["https://e.com/feed.xml"]
    assert report.failed == []  # a 4xx is the hub refusing: not retried
    assert "refused https://e.com/bad.xml (400)" in report.problems[0]


def test_unreachable_hub_stops_after_the_first_failure() -> None:
    calls = []

    def poster(url: str, body: bytes) -> int:
        calls.append(body)
        raise ConnectionRefusedError(111, "Connection refused")

    report = ping("http://127.0.0.1:9/", ["a", "b", "c"], poster)
    assert len(calls) == 1 and report.failed == ["a", "b", "c"] and report.pinged == []


def test_http_post_against_a_real_server(hub) -> None:
    assert http_post(hub.url, b"hub.mode=publish&hub.url=x", timeout=5) == 204
    hub.status = 500
    assert http_post(hub.url, b"hub.mode=publish&hub.url=y", timeout=5) == 500
    with pytest.raises(OSError):
        http_post(f"http://127.0.0.1:{free_port()}/", b"", timeout=5)


def test_a_bad_hub_url_is_a_config_error(site, cli) -> None:
    site.write_config("feeds:\n  websub_hub: ftp://hub.example/\n")
    result = cli("publish", "--config", site.root / "config.yaml", "--now", NOW)
    assert result.exit_code == 2 and "feeds.websub_hub" in result.stderr


# ---- a hub that misbehaves, a publish that is killed (issue 14 row 9) -----------

class Trickle:
    """A TCP server that reads a request, then answers one byte every *gap* seconds, for up to *total* seconds."""

    def __init__(self, gap: float, total: float = 20.0) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hub"
        self.gap, self.total, self.connections = gap, total, 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            end = time.monotonic() + self.total
            for byte in b"HTTP/1.1 204 No Content\r\n" * 100:
                if time.monotonic() > end:
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(self.gap)

    def close(self) -> None:
        self.sock.close()


def test_a_hub_that_trickles_its_answer_is_given_up_on_at_the_deadline() -> None:
    hub = Trickle(gap=0.25)
    try:
        started = time.monotonic()
        with pytest.raises(OSError):
            http_post(hub.url, b"hub.mode=publish&hub.url=x", timeout=1.5)
        assert time.monotonic() - started < 5  # before: until the hub stopped (20 s), each byte reset the timeout
    finally:
        hub.close()


def test_a_publish_is_not_held_by_a_trickling_hub_and_owes_the_pings(site, cli, monkeypatch) -> None:
    monkeypatch.setattr(websub, "TIMEOUT", 1.0)
    hub = Trickle(gap=0.25)
    try:
        config = hub_site(site, hub.url)
        started = time.monotonic()
        result = cli("publish", "--config", config, "--now", NOW, "--wait", "0")
        assert time.monotonic() - started < 8
        assert result.exit_code == 0 and "warning: WebSub hub" in result.stderr
        assert hub.connections == 1  # the hub is given up on for this run: one deadline, not one per feed
        assert (site.root / "public" / "atom.xml").is_file()
    finally:
        hub.close()
    server = Hub()
    try:
        site.write_config(f"feeds:\n  json: feed.json\n  websub_hub: {server.url}\n")
        assert cli("publish", "--config", config, "--now", NOW, "--wait", "0").exit_code == 0  # the lock is free
        assert sorted(server.announced) == sorted(FEEDS)
    finally:
        server.close()


def test_a_publish_killed_before_it_pinged_has_the_next_run_ping(site, cli, hub) -> None:
    """Killed after writing every feed, before announcing them: the state says which pings are owed."""
    config = hub_site(site, hub.url)
    killer = Path(__file__).parent / "killpoint.py"
    cmd = ["publish", "--config", str(config), "--now", NOW]
    killed = subprocess.run([sys.executable, killer, "sendall", *cmd], capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (site.root / "public" / "feed.json").is_file() and hub.requests == []
    again = cli(*cmd)
    assert again.exit_code == 0, again.output
    assert sorted(hub.announced) == sorted(FEEDS)  # before: nothing, the feeds' bytes had not changed since
    assert cli(*cmd).exit_code == 0 and len(hub.requests) == 3  # and then owed nothing


def test_a_hub_that_redirects_is_not_followed(site, cli) -> None:
    elsewhere = Hub()
    hub = Hub(status=302, location=elsewhere.url)
    try:
        config = hub_site(site, hub.url)
        result = cli("publish", "--config", config, "--now", NOW)
        assert result.exit_code == 0
        assert "answered 302 (a redirect, not followed)" in result.stderr and "feeds.websub_hub" in result.stderr
        assert elsewhere.methods == [] and len(hub.requests) == 3
        assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
        assert len(hub.requests) == 3  # not owed: asking again would be answered the same
    finally:
        hub.close()
        elsewhere.close()
