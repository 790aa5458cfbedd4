"""The confirmation email of a double opt-in: built from templates, sent through the site's SMTP sender.

Its templates are ``confirm.html`` and ``confirm.txt``, found like the digest's
(``digest.templates`` first, then the copies in the package), in the site's
language.  The link in it leads to ``GET /confirm/<token>``, a page whose button
confirms: mail scanners that open every link must not subscribe anybody.

Sending blocks (SMTP, with the sender's retries), so the app calls :meth:`Confirmations.send`
in a worker thread; the one :class:`~feeder.mail.smtp.SmtpSender` keeps one
connection, so sends take turns on a lock.  A failure is returned as an
:class:`~feeder.mail.smtp.Outcome`, never raised: the reader is told to try
again, and the operator is told why (see :class:`~feeder.serve.actions.ListDesk`).
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

import jinja2

from feeder.addresses import parse_mailbox
from feeder.config import Config
from feeder.digest.body import environment
from feeder.digest.message import sender_of
from feeder.errors import ConfigError, SmtpError
from feeder.i18n import direction, primary, words
from feeder.mail.send import Sender
from feeder.mail.smtp import Outcome

HTML_TEMPLATE = "confirm.html"
TEXT_TEMPLATE = "confirm.txt"


class Confirmations:
    """Confirmation emails for one site: :meth:`message` builds one, :meth:`send` delivers it."""

    def __init__(self, config: Config, sender: Sender, *, public_url: str, expiry_days: int) -> None:
        self.sender, self.public_url, self.expiry_days = sender, public_url, expiry_days
        self._from = sender_of(config)  # ConfigError at start when digest.from is missing
        self._envelope_from = parse_mailbox(self._from)[1]
        self._domain = self._envelope_from.rpartition("@")[2]
        self._timezone = config.site.timezone
        self._env = environment(config)
        lang = config.site.language
        self._t = words(lang)
        self._context = {"site": config.site, "lang": lang, "lang_primary": primary(lang), "dir": direction(lang),
                         "t": self._t, "days": expiry_days,
                         "subject": self._t["confirm_subject"].format(site=config.site.title)}
        self._lock = threading.Lock()

    def url(self, token: str) -> str:
        return f"{self.public_url}confirm/{token}"

    def message(self, address: str, token: str, now: datetime) -> EmailMessage:
        """The confirmation email to *address* (a checked bare address) with the link for *token*."""
        context = {**self._context, "confirm_url": self.url(token)}
        msg = EmailMessage(policy=policy.SMTP)
        msg["Subject"] = context["subject"]
        msg["From"] = self._from
        msg["To"] = address
        msg["Date"] = format_datetime(now.astimezone(self._timezone))
        msg["Message-ID"] = f"<confirm.{hashlib.sha256(token.encode()).hexdigest()[:32]}@{self._domain}>"
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
        msg.set_content(self._render(TEXT_TEMPLATE, context), subtype="plain", charset="utf-8")
        msg.add_alternative(self._render(HTML_TEMPLATE, context), subtype="html", charset="utf-8")
        msg.set_boundary("feeder-confirm-" + hashlib.sha256(token.encode()).hexdigest()[:32])  # not random
        return msg

    def send(self, address: str, token: str, now: datetime) -> Outcome:
        """Deliver the confirmation email (blocking: run it in a thread); a failure is returned, not raised."""
        message = self.message(address, token, now)
        with self._lock:
            try:
                outcome = self.sender.deliver(message, self._envelope_from, address)
            except SmtpError as exc:  # the server cannot be used at all: this reader is told to come back later
                outcome = Outcome(False, False, None, str(exc))
        return outcome

    def check(self, now: datetime) -> None:
        """Build one message with sample values: a broken template is a ConfigError at start."""
        self.message("reader@example.com", "sample-token", now)

    def _render(self, name: str, context: dict[str, object]) -> str:
        try:
            return self._env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"{exc.filename or name}:{exc.lineno}: template error: {exc.message}") from None
        except jinja2.TemplateNotFound as exc:
            raise ConfigError(f"digest.templates: no template {exc.name!r}") from None
        except jinja2.UndefinedError as exc:
            raise ConfigError(f"{name}: template uses an unknown value: {exc.message}") from None
