"""`feeder serve` as a subprocess, spoken to over real HTTP; its emails caught by a real aiosmtpd server.

Links in emails point at serve.public_url (https://list.example.com/news/, as behind a reverse proxy
that maps /news/ to the server's /); the tests follow them by that path on the local port.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import Site
from mailserver import Recorder

from feeder.config import load_config
from feeder.mail.sqlite_store import open_store
from feeder.mail.subscribers import Candidate, Status, SubscriberStore
from feeder.mail.tokens import Tokens

KEY, OLD, OTHER = "serve-test-key-" + "s" * 20, "old-test-key-" + "o" * 20, "foreign-key-" + "x" * 20
PUBLIC = "https://list.example.com/news/"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str


class Serving:
    """One ``feeder serve --port 0`` process; requests go to the port it printed."""

    def __init__(self, root: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.log = (root / "serve.log").open("a")
        environment = {**os.environ, "FEEDER_SECRET_KEY": KEY, **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "feeder.cli", "serve", "--config",
                                      str(root / "config.yaml"), "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True, env=environment)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        if not found:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"feeder serve did not start: {line!r}\n{(root / 'serve.log').read_text()}")
        self.port = int(found[1])

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data.decode())

    def post(self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        return self.request("POST", path, urlencode(fields).encode(), {**FORM, **(headers or {})})

    def subscribe(self, email: str, **fields: str) -> Reply:
        return self.post("/subscribe", {"email": email, **fields})

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        code = self.proc.wait(20)
        self.proc.stdout.close()  # type: ignore[union-attr]
        self.log.close()
        return code


@pytest.fixture
def mail(server):
    """A real SMTP server (aiosmtpd) recording what it is sent."""
    recorder = Recorder()
    return recorder, server(recorder)


@pytest.fixture
def make_site(tmp_path, mail):
    """Write a site whose smtp is the test server and whose serve section adds *serve* (YAML lines)."""

    def make(serve: str = "", language: str = "en", root: Path | None = None) -> Path:
        root = root or tmp_path
        site = Site(root)
        lines = "".join(f"  {line}\n" for line in textwrap.dedent(serve).strip().splitlines())
        site.write_config(f"""\
digest:
  from: "Test Site <news@example.com>"
smtp:
  host: 127.0.0.1
  port: {mail[1].port}
  security: none
  retries: 0
  timeout: 5
serve:
  public_url: {PUBLIC}
{lines}""", language=language)
        return root

    return make


@pytest.fixture
def serve(tmp_path):
    """Start ``feeder serve`` for a site folder: ``serve(root, *args, env=...)``; stopped (and checked) after."""
    started: list[Serving] = []

    def start(root: Path | None = None, *args: str, env: dict[str, str] | None = None) -> Serving:
        s = Serving(root or tmp_path, *args, env=env)
        started.append(s)
        return s

    yield start
    for s in started:
        if s.proc.poll() is None:
            assert s.stop() == 0, "SIGTERM must stop feeder serve cleanly"


def store_of(root: Path) -> contextlib.closing[SubscriberStore]:
    """The site's subscriber store, open for a ``with`` block."""
    return contextlib.closing(open_store(load_config(root / "config.yaml").state_dir))


def link_in(message, kind: str) -> str:
    """The local path of the *kind* link (confirm, unsubscribe) in *message*'s text part, checked against its HTML."""
    text = message.get_body(("plain",)).get_content()
    found = re.findall(re.escape(PUBLIC) + kind + r"/[A-Za-z0-9._-]+", text)
    assert len(found) == 1, text
    assert found[0] in message.get_body(("html",)).get_content()
    return "/" + found[0][len(PUBLIC):]


def one_click(port: int, path: str, body: bytes = b"List-Unsubscribe=One-Click",
              content_type: str = "application/x-www-form-urlencoded") -> http.client.HTTPResponse:
    """The RFC 8058 POST byte for byte as a mailbox provider sends it: no cookie, no user agent, no redirect."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: list.example.com\r\nContent-Type: {content_type}\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.body = response.read()  # type: ignore[attr-defined]
    sock.close()
    return response


def history(root: Path) -> dict[str, tuple[str, list[str]]]:
    """Every subscriber's status and event kinds, by address."""
    with store_of(root) as store:
        return {s.address: (s.status.value, [e.kind for e in store.events(s.id)]) for s in store.iterate()}


def test_subscribe_confirm_and_leave_with_one_click(make_site, mail, serve) -> None:
    root = make_site()
    s = serve(root)
    reply = s.subscribe("ada@example.org", name="Ada  Lovelace", consent="Send me the weekly digest.",
                        page="https://example.com/blog/join/")
    assert reply.status == 200 and "Check your inbox" in reply.body and "ada@example.org" in reply.body
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    with store_of(root) as store:
        ada = store.get("ada@example.org")
        assert ada is not None and ada.status == Status.PENDING and ada.name == "Ada Lovelace"
        assert ada.consent is not None and ada.consent.ip == "127.0.0.1"
        assert (ada.consent.page, ada.consent.text) == ("https://example.com/blog/join/", "Send me the weekly digest.")
        assert ada.confirmation_sent is not None

    (received,) = mail[0].received
    message = received.message
    assert received.rcpt_tos == ["ada@example.org"] and received.mail_from == "news@example.com"
    assert message["Subject"] == "Confirm your subscription to Test Site" and message["To"] == "ada@example.org"
    assert message["Auto-Submitted"] == "auto-generated" and "List-Unsubscribe" not in message
    confirm = link_in(message, "confirm")
    assert "ada" not in confirm.lower()  # the token names nobody

    page = s.request("GET", confirm)  # what a mail scanner does: nothing happens
    assert page.status == 200 and '<form method="post" action="">' in page.body and "Yes, subscribe me" in page.body
    head = s.request("HEAD", confirm)
    assert head.status == 200 and head.body == ""
    assert history(root)["ada@example.org"][0] == "pending"

    done = s.request("POST", confirm, b"", FORM)
    assert done.status == 200 and "You are subscribed" in done.body
    assert s.request("POST", confirm, b"", FORM).status == 200  # a second click is harmless
    status, events = history(root)["ada@example.org"]
    assert status == "active" and events.count("confirmed") == 1

    with store_of(root) as store:
        token = Tokens(KEY).unsubscribe_token(store.get("ada@example.org").id)
    for _ in range(2):  # idempotent: the second changes and records nothing
        response = one_click(s.port, f"/unsubscribe/{token}")
        assert response.status == 200 and response.getheader("Location") is None
        assert response.getheader("Set-Cookie") is None and b"You are unsubscribed" in response.body
    status, events = history(root)["ada@example.org"]
    assert status == "unsubscribed" and events.count("unsubscribed") == 1
    with store_of(root) as store:
        assert [(e.kind, e.detail) for e in store.events(store.get("ada@example.org").id)][-1] == \
            ("unsubscribed", "one-click")
    assert len(mail[0].received) == 1


def test_one_click_as_multipart(make_site, serve) -> None:
    root = make_site()
    with store_of(root) as store:
        reader = store.add("reader@example.org", now=datetime.now(timezone.utc))
    s = serve(root)
    boundary = "----mailboxprovider7MA4YWxkTrZu0gW"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n"
            f"--{boundary}--\r\n").encode()
    response = one_click(s.port, f"/unsubscribe/{Tokens(KEY).unsubscribe_token(reader.id)}", body,
                         f"multipart/form-data; boundary={boundary}")
    assert response.status == 200 and response.getheader("Location") is None
    assert history(root)["reader@example.org"][0] == "unsubscribed"


def test_unsubscribe_page_and_subscribing_again(make_site, mail, serve) -> None:
    root = make_site()
    with store_of(root) as store:
        reader = store.add("reader@example.org", now=datetime.now(timezone.utc))
    s = serve(root)
    path = f"/unsubscribe/{Tokens(KEY).unsubscribe_token(reader.id)}"
    page = s.request("GET", path)
    assert page.status == 200 and '<form method="post" action="">' in page.body
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in page.body
    assert s.request("HEAD", path).status == 200
    assert history(root)["reader@example.org"][0] == "active"  # looking changes nothing

    left = s.post(path, {"List-Unsubscribe": "One-Click", "via": "page"},  # what the page's button sends
                  {"User-Agent": "Mozilla/5.0", "Cookie": "x=1"})
    assert left.status == 200 and "You are unsubscribed" in left.body
    assert f'action="{PUBLIC}subscribe"' in left.body and 'name="email" value="reader@example.org"' in left.body
    assert "You are unsubscribed" in s.request("GET", path).body
    assert history(root)["reader@example.org"][0] == "unsubscribed"
    with store_of(root) as store:
        assert [e.detail for e in store.events(reader.id)][-1] == "web page"

    again = s.subscribe("reader@example.org", consent="Send me the weekly digest of Test Site by email.")
    assert again.status == 200 and history(root)["reader@example.org"][0] == "pending"
    confirm = link_in(mail[0].received[-1].message, "confirm")
    assert s.request("POST", confirm, b"", FORM).status == 200
    assert history(root)["reader@example.org"][0] == "active"


def test_the_same_answer_for_new_pending_and_active(make_site, mail, serve) -> None:
    root = make_site()
    s = serve(root)
    new = s.subscribe("someone@example.org")
    pending = s.subscribe("someone@example.org")
    confirm = link_in(mail[0].received[0].message, "confirm")
    assert s.request("POST", confirm, b"", FORM).status == 200
    active = s.subscribe("someone@example.org")
    assert new.status == pending.status == active.status == 200
    assert new.body == pending.body == active.body
    assert len(mail[0].received) == 1  # pending within the hour, and active: no second email


def test_one_confirmation_an_hour_and_links_expire(make_site, mail, serve) -> None:
    root = make_site()
    s = serve(root)
    s.subscribe("late@example.org")
    s.subscribe("late@example.org")
    s.stop()
    assert len(mail[0].received) == 1
    later = (datetime.now(timezone.utc) + timedelta(minutes=61)).isoformat()
    s = serve(root, "--now", later)
    s.subscribe("late@example.org")
    assert len(mail[0].received) == 2
    first, second = (link_in(r.message, "confirm") for r in mail[0].received)
    assert first != second
    s.stop()

    s = serve(root, "--now", (datetime.now(timezone.utc) + timedelta(days=8)).isoformat())
    for link in (first, second):  # 8 days and 7 days 23 hours old: both past the 7 days
        assert s.request("GET", link).status == 400
        reply = s.request("POST", link, b"", FORM)
        assert reply.status == 400 and "This link does not work" in reply.body
    assert history(root)["late@example.org"][0] == "pending"


def test_tampered_expired_and_foreign_tokens_change_nothing(make_site, serve) -> None:
    root = make_site()
    now = datetime.now(timezone.utc)
    with store_of(root) as store:
        active = store.add("active@example.org", now=now)
        pending = store.add("pending@example.org", now=now, status=Status.PENDING)
        gone = store.add("gone@example.org", now=now)
        assert store.forget("gone@example.org", now)
    s = serve(root, env={"FEEDER_OLD_SECRET_KEYS": OLD})
    ours = Tokens(KEY)
    unsubscribe, confirm = ours.unsubscribe_token(active.id), ours.confirm_token(pending.id, now)
    before = history(root)
    bad_unsubscribe = [unsubscribe[:-3], unsubscribe[:-1] + ("A" if unsubscribe[-1] != "A" else "B"),
                       Tokens(OTHER).unsubscribe_token(active.id), ours.confirm_token(active.id, now), "garbage"]
    bad_confirm = [confirm[:-2], Tokens(OTHER).confirm_token(pending.id, now), ours.unsubscribe_token(pending.id),
                   ours.confirm_token(pending.id, now - timedelta(days=7, seconds=1))]
    for token in bad_unsubscribe:
        for method in ("GET", "POST"):
            reply = s.request(method, f"/unsubscribe/{token}", b"List-Unsubscribe=One-Click", FORM)
            assert reply.status == 400, (token, method)
    for token in bad_confirm:
        for method in ("GET", "POST"):
            assert s.request(method, f"/confirm/{token}", b"", FORM).status == 400, (token, method)
    for path in (f"/unsubscribe/{ours.unsubscribe_token(gone.id)}", f"/confirm/{ours.confirm_token(gone.id, now)}"):
        reply = s.request("POST", path, b"List-Unsubscribe=One-Click", FORM)
        assert reply.status == 404 and "Nothing to do" in reply.body
    assert history(root) == before

    # a link signed with the previous key (FEEDER_OLD_SECRET_KEYS) still works
    assert s.request("POST", f"/confirm/{Tokens(OLD).confirm_token(pending.id, now)}", b"", FORM).status == 200
    assert one_click(s.port, f"/unsubscribe/{Tokens(OLD).unsubscribe_token(active.id)}").status == 200
    after = history(root)
    assert after["pending@example.org"][0] == "active" and after["active@example.org"][0] == "unsubscribed"


def test_honeypot_bad_address_and_thanks_url(make_site, mail, serve) -> None:
    root = make_site("thanks_url: https://example.com/blog/thanks/")
    s = serve(root)
    bot = s.subscribe("victim@example.org", website="http://spam.example/")
    assert bot.status == 303 and bot.headers["location"] == "https://example.com/blog/thanks/"
    assert "victim@example.org" not in history(root) and not mail[0].received
    person = s.subscribe("person@example.org")
    assert person.status == 303 and person.headers["location"] == "https://example.com/blog/thanks/"
    assert len(mail[0].received) == 1
    wrong = s.subscribe("not an address<script>")
    assert wrong.status == 400 and "Check the address" in wrong.body and "<script>" not in wrong.body
    assert s.post("/subscribe", {"name": "no address"}).status == 400
    huge = s.post("/subscribe", {"email": "big@example.org", "name": "x" * 20_000})
    assert huge.status == 413  # the body is read up to 16 KB, no further
    assert set(history(root)) == {"person@example.org"}


def test_rate_limit_per_client_address(make_site, serve, tmp_path) -> None:
    s = serve(make_site("subscribe_limit: 2\nsubscribe_window: 600"))
    assert [s.subscribe(f"r{n}@example.org").status for n in range(2)] == [200, 200]
    refused = s.subscribe("r2@example.org", headers={"X-Forwarded-For": "203.0.113.7"})  # not believed
    assert refused.status == 429 and int(refused.headers["retry-after"]) > 0 and "Too many requests" in refused.body
    assert "r2@example.org" not in history(s.root)

    behind = make_site("subscribe_limit: 2\nsubscribe_window: 600\ntrusted_proxies: [127.0.0.1]",
                       root=tmp_path / "proxied")
    p = serve(behind)
    statuses = [p.post("/subscribe", {"email": f"p{n}@example.org"}, {"X-Forwarded-For": "203.0.113.1"}).status
                for n in range(3)]
    assert statuses == [200, 200, 429]
    assert p.post("/subscribe", {"email": "q@example.org"}, {"X-Forwarded-For": "198.51.100.2"}).status == 200
    with store_of(behind) as store:
        assert store.get("q@example.org").consent.ip == "198.51.100.2"


def test_a_failed_send_is_a_friendly_page_and_can_be_retried(make_site, mail, serve) -> None:
    recorder, smtp = mail
    recorder.rcpt = lambda address: "550 5.1.1 no such mailbox"
    s = serve(make_site())
    reply = s.subscribe("typo@example.org")
    assert reply.status == 503 and "The email could not be sent" in reply.body and "Traceback" not in reply.body
    recorder.rcpt = lambda address: None
    assert s.subscribe("typo@example.org").status == 200  # not counted as sent: the next try sends
    assert len(recorder.received) == 1
    smtp.stop()
    down = s.subscribe("other@example.org")
    assert down.status == 503 and "The email could not be sent" in down.body
    assert "not sent" in (s.root / "serve.log").read_text()


def test_pages_in_the_site_language_with_safe_headers(make_site, mail, serve) -> None:
    s = serve(make_site(language="ja"))
    reply = s.subscribe("yamada@example.jp")
    assert reply.status == 200 and '<html lang="ja" dir="ltr">' in reply.body and "メールをご確認ください" in reply.body
    csp = reply.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp and "form-action 'self' https://list.example.com" in csp
    assert reply.headers["referrer-policy"] == "no-referrer" and reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-content-type-options"] == "nosniff" and "server" not in reply.headers
    message = mail[0].received[0].message
    assert message["Subject"] == "Test Siteのメール配信登録の確認"
    assert "登録を確認する" in message.get_body(("plain",)).get_content()
    missing = s.request("GET", "/nothing-here")
    assert missing.status == 404 and "ページが見つかりません" in missing.body
    assert s.request("GET", "/subscribe").status == 405
    health = s.request("GET", "/healthz")
    assert (health.status, health.body) == (200, "ok\n")
    head = s.request("HEAD", "/healthz")
    assert head.status == 200 and head.body == ""


def test_templates_a_site_overrides(make_site, serve, tmp_path) -> None:
    folder = tmp_path / "serve-templates"
    folder.mkdir()
    (folder / "subscribed.html").write_text('{% extends "base.html" %}{% set title = "Almost there" %}'
                                            "{% block content %}<p>Look for our mail, {{ address }}.</p>"
                                            "{% endblock %}", encoding="utf-8")
    s = serve(make_site(f"templates: {folder}"))
    reply = s.subscribe("x@example.org")
    assert "<h1>Almost there</h1>" in reply.body and "Look for our mail, x@example.org." in reply.body
    s.stop()
    (folder / "subscribed.html").write_text("{% if %}", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "feeder.cli", "serve", "--config", str(tmp_path / "config.yaml"),
                           "--port", "0"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "FEEDER_SECRET_KEY": KEY})
    assert done.returncode == 2 and "subscribed.html:1: template error" in done.stderr


def test_what_stops_it_from_starting(make_site, tmp_path) -> None:
    root = make_site()
    config = str(root / "config.yaml")

    def start(*args: str, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "FEEDER_SECRET_KEY"}
        if key is not None:
            env["FEEDER_SECRET_KEY"] = key
        return subprocess.run([sys.executable, "-m", "feeder.cli", "serve", "--config", config, *args],
                              capture_output=True, text=True, timeout=60, env=env)

    no_key = start("--port", "0", key=None)
    assert no_key.returncode == 2 and "FEEDER_SECRET_KEY is not set" in no_key.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = start("--port", str(taken.getsockname()[1]))
    assert busy.returncode == 2 and "cannot listen there" in busy.stderr
    text = (root / "config.yaml").read_text().replace(f"  public_url: {PUBLIC}\n", "")
    (root / "config.yaml").write_text(text)
    no_url = start("--port", "0")
    assert no_url.returncode == 2 and "serve.public_url: not set" in no_url.stderr


def test_sigkill_mid_write_loses_no_answered_unsubscribe(make_site, serve) -> None:
    root = make_site()
    with store_of(root) as store:
        store.import_many([Candidate(f"k{n}@example.org", line=n) for n in range(400)],
                          now=datetime.now(timezone.utc))
        tokens = Tokens(KEY)
        paths = [f"/unsubscribe/{tokens.unsubscribe_token(x.id)}" for x in store.iterate(Status.ACTIVE)]
    s = serve(root)
    answered: list[str] = []
    lock = threading.Lock()

    def client(mine: list[str]) -> None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
            for path in mine:
                conn.request("POST", path, b"List-Unsubscribe=One-Click", FORM)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    with lock:
                        answered.append(path)
        except (OSError, http.client.HTTPException):
            pass  # the server was killed under this request

    threads = [threading.Thread(target=client, args=(paths[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(answered) < 60 and time.monotonic() < deadline:
        time.sleep(0.001)
    s.proc.send_signal(signal.SIGKILL)
    for t in threads:
        t.join(30)
    s.stop()
    assert 60 <= len(answered) < len(paths), "the kill must land while unsubscribes are still arriving"

    database = sqlite3.connect(load_config(root / "config.yaml").state_dir / "subscribers.sqlite3")
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    database.close()
    with store_of(root) as store:
        for path in answered:  # every 200 the client saw is in the store, with its event
            subscriber = store.get_by_id(tokens.check_unsubscribe(path.rsplit("/", 1)[1]))
            assert subscriber.status == Status.UNSUBSCRIBED
            assert [e.kind for e in store.events(subscriber.id)].count("unsubscribed") == 1
    again = serve(root)  # and the rest still works after the crash
    assert all(one_click(again.port, path).status == 200 for path in paths[:20])
    assert sum(status == "unsubscribed" for status, _ in history(root).values()) >= len(answered)


class HeldAtSecond(Recorder):
    """Holds the RCPT of the second message until ``release`` is set: a send caught in the middle."""

    def __init__(self) -> None:
        super().__init__()
        self.held, self.release = threading.Event(), threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if len(self.rcpt_calls) == 1 and address not in self.rcpt_calls:
            self.held.set()
            for _ in range(3000):
                if self.release.is_set():
                    break
                await asyncio.sleep(0.01)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_unsubscribe_during_a_running_send(tmp_path, server, serve) -> None:
    recorder = HeldAtSecond()
    smtp = server(recorder)
    site = Site(tmp_path)
    site.write_config(f"""\
digest:
  from: "Test Site <news@example.com>"
smtp: {{host: 127.0.0.1, port: {smtp.port}, security: none, retries: 0}}
serve:
  public_url: {PUBLIC}
""")
    site.post("2025-12-10-hello.md", "title: Hello\ndate: 2025-12-10 10:00:00 +09:00", "A post of the week.\n")
    with store_of(tmp_path) as store:
        store.import_many([Candidate(f"reader{n}@example.org", line=n) for n in range(6)],
                          now=datetime(2025, 12, 20, tzinfo=timezone.utc))
        readers = list(store.iterate(Status.ACTIVE))
    s = serve(tmp_path)
    send = subprocess.Popen([sys.executable, "-m", "feeder.cli", "send", "--config", str(tmp_path / "config.yaml"),
                             "--week", "2025-W50", "--now", "2025-12-22T00:00:00Z"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "FEEDER_SECRET_KEY": KEY})
    try:
        assert recorder.held.wait(60), "the send never reached its second message"
        last = readers[-1]  # the audience goes out in id order: the last one has not been mailed yet
        first = recorder.received[0].message  # each digest carries its reader's one-click link
        assert first["List-Unsubscribe"] == f"<{PUBLIC}unsubscribe/{Tokens(KEY).unsubscribe_token(readers[0].id)}>"
        assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        response = one_click(s.port, f"/unsubscribe/{Tokens(KEY).unsubscribe_token(last.id)}")
        assert response.status == 200 and send.poll() is None  # answered while the send holds the store
    finally:
        recorder.release.set()
    out, err = send.communicate(timeout=120)
    assert send.returncode == 0, out + err
    mailed = [address for r in recorder.received for address in r.rcpt_tos]
    assert mailed == [r.address for r in readers[:-1]]  # the one who left mid-send got nothing more
    assert history(tmp_path)[last.address][0] == "unsubscribed"
    with store_of(tmp_path) as store:
        assert store.unfinished_weeks() == []
