"""SmtpSender against a real aiosmtpd server on 127.0.0.1: reuse, retries, refusals, TLS, AUTH, pacing."""

from __future__ import annotations

import itertools
import ssl
from contextlib import suppress
from email.message import EmailMessage

import pytest
from mailserver import Recorder, credentials, make_certificates, server_context

from feeder.config import Smtp
from feeder.errors import ConfigError, SmtpError
from feeder.mail.smtp import SmtpSender


def smtp(port: int, **kw) -> Smtp:
    fields = dict(host="127.0.0.1", port=port, security="none", timeout=5.0, rate_limit=0.0, retries=2,
                  max_consecutive_failures=5)
    return Smtp(**{**fields, **kw})


def message(to: str, subject: str = "Hello") -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "news@example.com", to, subject
    m.set_content("body\n")
    return m


class Sleeps(list):
    """An injected sleep: records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


def test_one_connection_carries_every_message(server):
    srv = server()
    with SmtpSender(smtp(srv.port)) as sender:
        for i in range(5):
            assert sender.deliver(message(f"r{i}@example.org"), "news@example.com", f"r{i}@example.org").accepted
        assert sender.connections == 1
    assert [r.rcpt_tos for r in srv.handler.received] == [[f"r{i}@example.org"] for i in range(5)]
    assert len({r.peer for r in srv.handler.received}) == 1  # the server saw one client connection
    assert srv.handler.received[0].mail_from == "news@example.com"


def test_envelope_decides_who_gets_it_not_the_headers(server):
    srv = server()
    with SmtpSender(smtp(srv.port)) as sender:
        sender.deliver(message("a@example.org, b@example.org"), "news@example.com", "a@example.org")
    assert srv.handler.received[0].rcpt_tos == ["a@example.org"]


def test_transient_refusal_is_retried_with_backoff_then_accepted(server, caplog):
    caplog.set_level("INFO", logger="feeder.mail.smtp")
    tries = {"n": 0}

    def rcpt(address):
        tries["n"] += 1
        return "451 4.7.1 Greylisted, try again" if tries["n"] <= 2 else None

    srv = server(Recorder(rcpt=rcpt))
    sleeps = Sleeps()
    with SmtpSender(smtp(srv.port, retries=3), sleep=sleeps, backoff=1.0) as sender:
        assert sender.deliver(message("g@example.org"), "news@example.com", "g@example.org").accepted
    assert sleeps == [1.0, 2.0]  # exponential, and injected: the test never waited
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert retries == ["g@example.org: 451 4.7.1 Greylisted, try again; retry 1/3 in 1s",
                       "g@example.org: 451 4.7.1 Greylisted, try again; retry 2/3 in 2s"]  # the code once
    assert len(srv.handler.to("g@example.org")) == 1


def test_transient_refusal_gives_up_after_the_retries(server):
    srv = server(Recorder(rcpt=lambda a: "451 4.3.0 Mailbox busy"))
    sleeps = Sleeps()
    with SmtpSender(smtp(srv.port, retries=2), sleep=sleeps, backoff=0.5) as sender:
        outcome = sender.deliver(message("b@example.org"), "news@example.com", "b@example.org")
    assert not outcome.accepted and not outcome.permanent and outcome.code == 451
    assert outcome.reason == "4.3.0 Mailbox busy"  # the code is a field of its own, printed once (issue 13)
    assert str(outcome) == "failed (will be retried by the next send): 451 4.3.0 Mailbox busy"
    assert sleeps == [0.5, 1.0]
    assert srv.handler.rcpt_calls["b@example.org"] == 3


def test_permanent_refusal_is_not_retried_and_the_connection_goes_on(server):
    srv = server(Recorder(rcpt=lambda a: "550 5.1.1 No such user" if a.startswith("gone") else None))
    sleeps = Sleeps()
    with SmtpSender(smtp(srv.port), sleep=sleeps) as sender:
        bad = sender.deliver(message("gone@example.org"), "news@example.com", "gone@example.org")
        good = sender.deliver(message("ok@example.org"), "news@example.com", "ok@example.org")
        assert sender.connections == 1
    assert bad.permanent and bad.code == 550 and str(bad) == "rejected: 550 5.1.1 No such user"
    assert good.accepted and sleeps == []
    assert srv.handler.rcpt_calls["gone@example.org"] == 1


def test_a_dropped_connection_is_reopened(server):
    first = server()
    port = first.port
    sender = SmtpSender(smtp(port), sleep=Sleeps())
    assert sender.deliver(message("a@example.org"), "news@example.com", "a@example.org").accepted
    first.stop()  # the server goes away, closing our idle connection
    second = server(Recorder(), port=port)  # and comes back on the same port
    try:
        assert sender.deliver(message("b@example.org"), "news@example.com", "b@example.org").accepted
        assert sender.connections == 2
        assert [r.rcpt_tos for r in second.handler.received] == [["b@example.org"]]
    finally:
        sender.close()


def test_421_closes_and_reconnects(server):
    calls = {"n": 0}

    def rcpt(address):
        calls["n"] += 1
        return "421 4.3.2 Service shutting down" if calls["n"] == 2 else None

    srv = server(Recorder(rcpt=rcpt))
    with SmtpSender(smtp(srv.port), sleep=Sleeps()) as sender:
        assert sender.deliver(message("a@example.org"), "news@example.com", "a@example.org").accepted
        assert sender.deliver(message("b@example.org"), "news@example.com", "b@example.org").accepted
        assert sender.connections == 2
    assert len(srv.handler.to("b@example.org")) == 1


def test_a_server_that_does_not_answer_times_out_and_is_retried(server):
    srv = server(Recorder(stall_after=0))
    sleeps = Sleeps()
    with SmtpSender(smtp(srv.port, timeout=0.3, retries=1), sleep=sleeps) as sender:
        outcome = sender.deliver(message("a@example.org"), "news@example.com", "a@example.org")
    assert not outcome.accepted and not outcome.permanent
    assert "timed out" in outcome.reason.lower() or "timeout" in outcome.reason.lower()
    assert sleeps == [1.0]


def test_nobody_listening_is_a_transient_failure():
    from mailserver import free_port

    sleeps = Sleeps()
    with SmtpSender(smtp(free_port(), retries=2), sleep=sleeps) as sender:
        outcome = sender.deliver(message("a@example.org"), "news@example.com", "a@example.org")
    assert not outcome.accepted and not outcome.permanent and "Connection" in outcome.reason
    assert sleeps == [1.0, 2.0]


def test_rate_limit_spaces_messages_evenly(server):
    srv = server()
    now = {"t": 100.0}
    stamps = []

    def clock():
        return now["t"]

    def sleep(seconds):
        now["t"] += seconds

    class Stamped(SmtpSender):
        def _send_once(self, *a):
            stamps.append(now["t"])
            return super()._send_once(*a)

    with Stamped(smtp(srv.port, rate_limit=4.0), clock=clock, sleep=sleep) as sender:
        for i in range(5):
            sender.deliver(message(f"r{i}@example.org"), "news@example.com", f"r{i}@example.org")
    assert [round(b - a, 6) for a, b in itertools.pairwise(stamps)] == [0.25] * 4
    assert len(srv.handler.received) == 5


def test_starttls_with_a_generated_certificate(server, certs):
    ca, cert, key = certs
    srv = server(tls_context=server_context(cert, key), require_starttls=True)
    client = ssl.create_default_context(cafile=str(ca))
    with SmtpSender(smtp(srv.port, security="starttls"), ssl_context=client) as sender:
        assert sender.deliver(message("a@example.org"), "news@example.com", "a@example.org").accepted
    assert srv.handler.received[0].tls


def test_implicit_tls(server, certs):
    ca, cert, key = certs
    srv = server(ssl_context=server_context(cert, key))
    client = ssl.create_default_context(cafile=str(ca))
    with SmtpSender(smtp(srv.port, security="ssl"), ssl_context=client) as sender:
        assert sender.deliver(message("a@example.org"), "news@example.com", "a@example.org").accepted
    assert len(srv.handler.received) == 1


def test_an_untrusted_certificate_stops_everything(server, certs):
    _, cert, key = certs
    srv = server(tls_context=server_context(cert, key))
    with SmtpSender(smtp(srv.port, security="starttls"), ssl_context=ssl.create_default_context()) as sender:
        with pytest.raises(SmtpError, match="not trusted"):
            sender.deliver(message("a@example.org"), "news@example.com", "a@example.org")
    assert srv.handler.received == []


def test_starttls_required_but_not_offered(server):
    srv = server()
    with SmtpSender(smtp(srv.port, security="starttls")) as sender:
        with pytest.raises(SmtpError, match="does not offer STARTTLS"):
            sender.deliver(message("a@example.org"), "news@example.com", "a@example.org")


def test_auth_over_starttls(server, certs):
    ca, cert, key = certs
    srv = server(tls_context=server_context(cert, key), require_starttls=True, auth_required=True,
                 authenticator=credentials("mailer", "s3cret-pw"))
    client = ssl.create_default_context(cafile=str(ca))
    with SmtpSender(smtp(srv.port, security="starttls"), username="mailer", password="s3cret-pw",
                    ssl_context=client) as sender:
        assert sender.deliver(message("a@example.org"), "news@example.com", "a@example.org").accepted
    assert srv.handler.received[0].login == b"mailer"


def test_a_refused_login_names_neither_user_nor_password(server, certs, caplog):
    ca, cert, key = certs
    srv = server(tls_context=server_context(cert, key), auth_required=True,
                 authenticator=credentials("mailer", "s3cret-pw"))
    client = ssl.create_default_context(cafile=str(ca))
    caplog.set_level("DEBUG", logger="feeder")
    with SmtpSender(smtp(srv.port, security="starttls"), username="wrong-user", password="wrong-pw",
                    ssl_context=client) as sender:
        with pytest.raises(SmtpError, match="refused the login") as info:
            sender.deliver(message("a@example.org"), "news@example.com", "a@example.org")
    for text in (str(info.value), caplog.text):
        assert "wrong-user" not in text and "wrong-pw" not in text
    assert srv.handler.received == []


def test_auth_offered_only_over_tls(server):
    srv = server(authenticator=credentials("mailer", "pw"), auth_require_tls=True)
    with SmtpSender(smtp(srv.port, allow_plaintext_auth=True), username="mailer", password="pw") as sender:
        with pytest.raises(SmtpError, match="does not offer AUTH"):
            sender.deliver(message("a@example.org"), "news@example.com", "a@example.org")


class Counting:
    """An authenticator that counts the AUTH commands it is asked about (and accepts one login)."""

    def __init__(self, login: str, password: str) -> None:
        self.calls = 0
        self.check = credentials(login, password)

    def __call__(self, *args):
        self.calls += 1
        return self.check(*args)


def test_a_login_without_tls_is_refused_before_connecting(server):
    """Issue 14, row 15: ``security: none`` with a login sent AUTH PLAIN in the clear without a word."""
    auth = Counting("mailer", "pw")
    srv = server(authenticator=auth, auth_require_tls=False)
    with pytest.raises(ConfigError, match=r"smtp.security is 'none' and FEEDER_SMTP_USERNAME is set.*"
                                          r"smtp.allow_plaintext_auth: true") as info:
        SmtpSender(smtp(srv.port), username="mailer", password="pw")
    assert "mailer" not in str(info.value)
    assert auth.calls == 0 and srv.handler.received == []

    with SmtpSender(smtp(srv.port), username=None) as sender:  # no login: security none is a relay's business
        assert sender.deliver(message("a@example.org"), "news@example.com", "a@example.org").accepted
    assert auth.calls == 0

    with SmtpSender(smtp(srv.port, allow_plaintext_auth=True), username="mailer", password="pw") as sender:
        assert sender.deliver(message("b@example.org"), "news@example.com", "b@example.org").accepted
    assert auth.calls == 1 and srv.handler.received[-1].login == b"mailer"


class Greeter:
    """A bare TCP server on 127.0.0.1 that greets each client with one fixed line, then hangs up.

    aiosmtpd always greets with 220; a server that refuses service at connect (RFC 5321 allows
    ``554`` as the greeting) or is shutting down (``421``) needs a socket of its own.
    """

    def __init__(self, greeting: str) -> None:
        import socket
        import threading

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting.encode() + b"\r\n"
        self.clients = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed by stop()
                return
            self.clients += 1
            with conn:
                conn.sendall(self.greeting)
                with suppress(OSError):
                    conn.recv(1024)  # smtplib's QUIT, if it sends one

    def stop(self) -> None:
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def greeter():
    started: list[Greeter] = []

    def start(greeting: str) -> Greeter:
        started.append(Greeter(greeting))
        return started[-1]

    yield start
    for g in started:
        g.stop()


def test_a_server_refusing_service_at_connect_stops_the_send(greeter):
    """554 as the greeting is about the client, not a recipient: one error, not a rejection per address."""
    srv = greeter("554 5.7.1 No SMTP service for you")
    sleeps = Sleeps()
    with SmtpSender(smtp(srv.port), sleep=sleeps) as sender:
        with pytest.raises(SmtpError, match=r"refused the connection \(554 5\.7\.1 No SMTP service for you\)"):
            sender.deliver(message("a@example.org"), "news@example.com", "a@example.org")
    assert sleeps == [] and srv.clients == 1  # not retried: retrying cannot help


def test_421_at_connect_is_transient(greeter):
    srv = greeter("421 4.3.2 Too busy, try later")
    sleeps = Sleeps()
    with SmtpSender(smtp(srv.port, retries=1), sleep=sleeps) as sender:
        outcome = sender.deliver(message("a@example.org"), "news@example.com", "a@example.org")
    assert not outcome.accepted and not outcome.permanent and outcome.code == 421
    assert str(outcome) == "failed (will be retried by the next send): 421 4.3.2 Too busy, try later"
    assert sleeps == [1.0] and srv.clients == 2


class RefusesHello(Recorder):
    """Refuses EHLO and HELO (a blocklisted client), as a real server does after its greeting."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        return ["554 5.7.1 Client host blocked"]

    async def handle_HELO(self, server, session, envelope, hostname):
        return "554 5.7.1 Client host blocked"


def test_a_server_refusing_ehlo_stops_the_send(server):
    srv = server(RefusesHello())
    with SmtpSender(smtp(srv.port), sleep=Sleeps()) as sender:
        with pytest.raises(SmtpError, match=r"refused the connection \(554 5\.7\.1 Client host blocked\)"):
            sender.deliver(message("a@example.org"), "news@example.com", "a@example.org")
    assert srv.handler.rcpt_calls == {} and srv.handler.received == []
