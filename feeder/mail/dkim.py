"""DKIM-sign a message's wire bytes (RFC 6376), as the last step before it is handed to the server.

Signing works on the exact bytes that go out, so it runs where those bytes are
made: in :class:`feeder.mail.outbox.Job`, on the worker processes for a long
list.  The signature covers the headers a receiver judges a list message by —
From, To, Subject, Date, Message-ID, the list headers (RFC 8058 requires
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` to be signed for one-click
unsubscribe to count) and the MIME headers — with relaxed canonicalization, so
a relay that refolds a header does not break it.  A header the message lacks
(``List-Unsubscribe-Post`` for a plain-http URL) is signed as absent, so nobody
can add one on the way.

dkimpy does the canonicalization and RSA-SHA256; it is imported on the first
signature (120 ms, most of it dnspython, which only verification uses).  The
key was read and checked when the config was loaded (:func:`feeder.config_values.dkim_key`),
so a bad key stops ``feeder send`` before anything is sent.
"""

from __future__ import annotations

from feeder.config import Dkim

SIGNED = ("From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
          "MIME-Version", "Content-Type")


def sign(data: bytes, key: Dkim) -> bytes:
    """*data* (a message with CRLF line ends) with a ``DKIM-Signature`` header in front."""
    import dkim  # dkimpy: loaded only by a site that signs, on the first message

    signature = dkim.sign(data, key.selector.encode(), key.domain.encode(), key.private_key,
                          canonicalize=(b"relaxed", b"relaxed"),
                          include_headers=[name.encode() for name in SIGNED], linesep=b"\r\n")
    return bytes(signature) + data
