"""DKIM-sign a message's wire bytes (RFC 6376), as the last step before it is handed to the server.

Signing works on the exact bytes that go out, so it runs where those bytes are
made: in :class:`feeder.mail.outbox.Job`, on the worker processes for a long
list.  The signature covers the headers a receiver judges a list message by —
From, To, Subject, Date, Message-ID, the list headers (RFC 8058 requires
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` to be signed for one-click
unsubscribe to count) and the MIME headers — with relaxed header
canonicalization, so a relay that refolds a header does not break it.  The
body is canonicalized "simple" (as sent): feeder's bodies are quoted-printable
or base64 in lines of at most 76 characters, which relays leave alone, and
relaxed body canonicalization (regular expressions over the whole 20-100 KB
body) cost more than the rest of the signature.  A header the message lacks
(``List-Unsubscribe-Post`` for a plain-http URL) is signed as absent, so nobody
can add one on the way.

dkimpy does what is easy to get subtly wrong: parsing the message, relaxed
canonicalization of headers and body, which header instances are hashed, the
signature header's own hashing without its ``b=`` value.  The RSA step is
OpenSSL's, through ``cryptography``: dkimpy's own pure-Python RSA costs about
8 times as much (and re-parses the PEM on every message), which made signing
cost more than building the message.  The key is loaded once per
:class:`Signer`; the signature time (``t=``) is the run's clock, passed in.
The tests verify every signature with dkimpy's own verifier.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from feeder.config import Dkim

SIGNED = ("From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
          "MIME-Version", "Content-Type")
CANONICALIZATION = b"relaxed/simple"  # headers relaxed (relays refold them); the body as sent (see below)


class Signer:
    """Signs messages for one ``smtp.dkim`` key at one time; made once per send, used for every message."""

    def __init__(self, key: Dkim, now: datetime) -> None:
        import dkim  # dkimpy and cryptography: loaded only by a site that signs (about 150 ms)
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        self._dkim = dkim
        self._key: Any = load_pem_private_key(key.private_key, password=None)  # checked when the config loaded
        self._policy = dkim.CanonicalizationPolicy.from_c_value(CANONICALIZATION)
        self._include = tuple(name.lower().encode() for name in SIGNED)
        self._fields = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", CANONICALIZATION), (b"d", key.domain.encode()),
                        (b"q", b"dns/txt"), (b"s", key.selector.encode()),
                        (b"t", str(int(now.timestamp())).encode()), (b"h", b" : ".join(self._include))]

    def sign(self, data: bytes) -> bytes:
        """*data* (a message with CRLF line ends) with a ``DKIM-Signature`` header in front."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, utils

        dkim = self._dkim
        end = data.find(b"\r\n\r\n")
        head, body = (data[: end + 2], data[end + 4:]) if end >= 0 else (data, b"")
        headers, _ = dkim.rfc822_parse(head)  # only the header block: parsing the body into lines is wasted
        body_hash = base64.b64encode(hashlib.sha256(self._policy.canonicalize_body(body)).digest())
        # As dkimpy folds it: a placeholder puts b= on a line of its own, then its value is taken out again.
        fields = [*self._fields, (b"bh", body_hash), (b"b", b"0" * 60)]
        folded = dkim.fold(b"; ".join(b"=".join(f) for f in fields), namelen=len(b"DKIM-Signature"))
        unsigned = dkim.RE_BTAG.sub(b"\\1", folded)
        digest = hashlib.sha256()
        dkim.hash_headers(digest, self._policy, self._policy.canonicalize_headers(headers), self._include,
                          (b"DKIM-Signature", b" " + unsigned), dict(fields))
        signature = self._key.sign(digest.digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        fields[-1] = (b"b", base64.b64encode(signature))
        value = dkim.fold(b"; ".join(b"=".join(f) for f in fields) + b"\r\n", namelen=len(b"DKIM-Signature"))
        return b"DKIM-Signature: " + value + data
