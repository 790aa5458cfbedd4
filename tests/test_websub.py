"""WebSub: hub links in the feeds, pings to a real HTTP hub on 127.0.0.1, and a hub that is down."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from feeder.feeds.websub import http_post, ping

NOW = "2025-12-20T00:00:00Z"


class Hub:
    """A WebSub hub that records each publish request and answers with *status*."""

    def __init__(self, status: int = 204) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.content_types: list[str] = []
        self.status = status
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hub.requests.append(parse_qs(body.decode("ascii")))
                hub.content_types.append(self.headers["Content-Type"])
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


# ---- a publish killed before it pinged (issue 14 row 9) ---------------------------

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
