"""Hand messages to an SMTP server, one recipient at a time, over one reused connection.

Opening a connection (TCP, TLS, AUTH) costs far more than a message, so the
connection is opened on the first message and kept; when the server drops it
(idle timeout, ``421``), the next message reconnects.  Each delivery ends in
one :class:`Outcome`:

* accepted — the server said ``250`` to DATA; the caller records it at once;
* permanent — a ``5xx`` for this recipient: retrying will not help;
* transient — ``4xx``, a dropped connection or a timeout, still failing after
  ``smtp.retries`` retries with exponential backoff.

Problems that no retry can fix for anybody — the server refusing us at
connect or EHLO with a ``5xx``, TLS not offered or the certificate not
trusted, login refused — raise :class:`SmtpError` at once: reporting them as
each recipient being rejected would hide the one cause behind many lines.

The clock and ``sleep`` are parameters (tests and the benchmark never wait for
real), as are the credentials: they come from the environment in the CLI and
appear in no log line and no error message.  With ``smtp.security: none`` they
would cross the network in plain text (``AUTH PLAIN`` is base64, not
encryption), so a sender with a login and no TLS is refused before it connects
unless the config says ``smtp.allow_plaintext_auth: true``.  There is no
exemption for ``localhost``: the name is whatever the resolver says, a relay on
this machine rarely needs a login at all, and the one line in the config is
where the decision belongs, in sight of whoever reads it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from email.message import EmailMessage

from feeder.config import Security, Smtp
from feeder.errors import ConfigError, SmtpError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    permanent: bool = False
    code: int | None = None
    reason: str = ""
    at_rcpt: bool = False  # the server refused this recipient (RCPT TO), not the sender or the message

    def __str__(self) -> str:
        if self.accepted:
            return "accepted"
        kind = "rejected" if self.permanent else "failed (will be retried by the next send)"
        return f"{kind}: {self.code} {self.reason}" if self.code is not None else f"{kind}: {self.reason}"


ACCEPTED = Outcome(True)


@dataclass(frozen=True)
class _Retry:
    """A try that failed in a way another try may fix: a ``4xx``, a dropped connection, a timeout.

    A value, not an exception: it never leaves :meth:`SmtpSender.deliver`, which retries it or
    turns it into an :class:`Outcome`, so it needs no place in :mod:`feeder.errors`.
    """

    code: int | None
    reason: str  # the server's text without the code (``4.7.1 Greylisted``), or what went wrong
    reconnect: bool  # the connection is no longer usable: drop it and open a new one
    at_rcpt: bool = False

    def __str__(self) -> str:
        return f"{self.code} {self.reason}" if self.code is not None else self.reason


class SmtpSender:
    """Deliver one message per call; reconnect, retry, pace.  Use as a context manager."""

    def __init__(self, smtp: Smtp, *, username: str | None = None, password: str | None = None,
                 ssl_context: ssl.SSLContext | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, backoff: float = 1.0, max_backoff: float = 30.0,
                 local_hostname: str | None = None) -> None:
        self.smtp = smtp
        self._credentials = (username, password or "") if username else None
        if self._credentials and smtp.security == Security.NONE and not smtp.allow_plaintext_auth:
            raise ConfigError(
                "smtp.security is 'none' and FEEDER_SMTP_USERNAME is set: the login would cross the network in "
                "plain text, so nothing was sent. Set smtp.security to 'starttls' or 'ssl'; or, for a relay on a "
                "network you trust, set smtp.allow_plaintext_auth: true; or unset FEEDER_SMTP_USERNAME if the "
                "relay needs no login")
        self._context = ssl_context
        self.clock, self.sleep = clock, sleep
        self.backoff, self.max_backoff = backoff, max_backoff
        self.local_hostname = local_hostname
        self._conn: smtplib.SMTP | None = None
        self._used = False  # the open connection has carried a message: a drop may be an idle timeout
        self._next_slot = 0.0
        self.connections = 0  # how many times we connected (the benchmark and tests read it)

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:  # interrupted, possibly mid-transaction: a polite QUIT could wait for smtp.timeout
            self._drop()

    def deliver(self, message: EmailMessage | bytes, envelope_from: str, recipient: str) -> Outcome:
        """Send *message* (or its wire bytes, CRLF line ends) to *recipient* only: the envelope decides."""
        attempt = 0
        while True:
            self._pace()
            tried = self._send_once(message, envelope_from, recipient)
            if isinstance(tried, Outcome):
                return tried
            reused = self._used and tried.reconnect
            if tried.reconnect:
                self._drop()
            if reused:  # the server closed an idle connection: reconnect at once, no retry spent
                log.debug("connection to %s dropped (%s); reconnecting", self.smtp.host, tried)
                continue
            if attempt >= self.smtp.retries:
                return Outcome(False, False, tried.code, tried.reason, tried.at_rcpt)
            delay = min(self.backoff * 2**attempt, self.max_backoff)
            attempt += 1
            log.info("%s: %s; retry %d/%d in %gs", recipient, tried, attempt, self.smtp.retries, delay)
            self.sleep(delay)

    def _send_once(self, message: EmailMessage | bytes, envelope_from: str, recipient: str) -> Outcome | _Retry:
        try:
            conn = self._connection()
            if isinstance(message, bytes):
                conn.sendmail(envelope_from, [recipient], message)
            else:
                conn.send_message(message, from_addr=envelope_from, to_addrs=[recipient])
            self._used = True
            return ACCEPTED
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, (None, b"refused"))
            return self._response(code, text, at_rcpt=True)
        except smtplib.SMTPServerDisconnected as exc:
            return _Retry(None, f"connection closed ({exc or 'by the server'})", True)
        except (smtplib.SMTPConnectError, smtplib.SMTPHeloError) as exc:  # the greeting or EHLO/HELO: about us
            reason = _reason(exc.smtp_error)
            if 500 <= exc.smtp_code < 600:
                raise SmtpError(f"smtp: {self.smtp.host}:{self.smtp.port} refused the connection "
                                f"({exc.smtp_code} {reason}); no message was sent") from None
            return _Retry(exc.smtp_code, reason, True)
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, and the like
            return self._response(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPException as exc:
            return _Retry(None, str(exc), True)
        except ssl.SSLCertVerificationError as exc:
            self._drop()
            raise SmtpError(f"smtp: the certificate of {self.smtp.host}:{self.smtp.port} is not trusted "
                            f"({exc.verify_message}); fix the server or point SSL_CERT_FILE at its CA") from None
        except (TimeoutError, OSError) as exc:  # after the SMTP ones: they subclass OSError
            return _Retry(None, f"{type(exc).__name__}: {exc}", True)

    def _response(self, code: int | None, text: bytes | str, at_rcpt: bool = False) -> Outcome | _Retry:
        reason = _reason(text)
        if code is not None and 500 <= code < 600:
            return Outcome(False, True, code, reason, at_rcpt)
        return _Retry(code, reason, code == 421, at_rcpt)

    def _pace(self) -> None:
        """``smtp.rate_limit`` messages per second at most, evenly spaced (0 means as fast as possible)."""
        if self.smtp.rate_limit <= 0:
            return
        now = self.clock()
        if self._next_slot > now:
            self.sleep(self._next_slot - now)
            now = self._next_slot
        self._next_slot = now + 1.0 / self.smtp.rate_limit

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        s = self.smtp
        log.debug("connecting to %s:%d (%s)", s.host, s.port, s.security)
        if s.security == Security.SSL:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, local_hostname=self.local_hostname,
                                                  timeout=s.timeout, context=self._tls())
        else:
            conn = smtplib.SMTP(s.host, s.port, local_hostname=self.local_hostname, timeout=s.timeout)
        try:
            conn.ehlo_or_helo_if_needed()  # HELO if EHLO is refused; SMTPHeloError if both are
            if s.security == Security.STARTTLS:
                if not conn.has_extn("starttls"):
                    raise SmtpError(f"smtp: {s.host}:{s.port} does not offer STARTTLS; set smtp.security to "
                                    "'ssl' (usually port 465) or, on a trusted network only, 'none'")
                conn.starttls(context=self._tls())
                conn.ehlo_or_helo_if_needed()
            if self._credentials:
                self._login(conn, self._credentials)
        except BaseException:
            conn.close()
            raise
        self._conn, self._used = conn, False
        self.connections += 1
        return conn

    def _login(self, conn: smtplib.SMTP, credentials: tuple[str, str]) -> None:
        if not conn.has_extn("auth"):
            raise SmtpError(f"smtp: {self.smtp.host}:{self.smtp.port} does not offer AUTH "
                            "(some servers offer it only over TLS); unset FEEDER_SMTP_USERNAME or fix smtp.security")
        try:
            conn.login(*credentials)
        except smtplib.SMTPAuthenticationError as exc:
            # The server's words only: the username and password stay out of every message.
            raise SmtpError(f"smtp: {self.smtp.host} refused the login from FEEDER_SMTP_USERNAME / "
                            f"FEEDER_SMTP_PASSWORD ({exc.smtp_code} {_reason(exc.smtp_error)})") from None

    def _tls(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl.create_default_context()  # verifies; honours SSL_CERT_FILE
        return self._context

    def _drop(self) -> None:
        conn, self._conn, self._used = self._conn, None, False
        if conn is not None:
            with suppress(OSError):
                conn.close()

    def close(self) -> None:
        """Say QUIT politely; a server that is already gone is fine."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def _reason(text: bytes | str) -> str:
    """The server's words, as text."""
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
