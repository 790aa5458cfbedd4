"""The HTML part as it travels: which transfer encoding it goes in, and how many bytes that makes.

Gmail clips a message whose HTML is over about 102 KB behind "View entire
message", and what it counts is the part as sent, transfer-encoded: a 72 KB
page of Japanese is over 100 KB in quoted-printable, where each byte of a
Japanese character is written ``=E3``.  Base64 costs 4 bytes per 3 whatever
the text; quoted-printable costs 1 byte per ASCII character and 3 per other
byte.  The message builder (:mod:`feeder.digest.message`) sends the HTML in
whichever is smaller for that issue, and the fitter (:mod:`feeder.digest.fit`)
budgets exactly those bytes, encoded by the same standard-library code, with
line ends counted as CRLF as on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

GMAIL_CLIP = 102 * 1000  # bytes of HTML as sent; Gmail clips a message body above ~102 KB
MARGIN = 4 * 1000  # bytes kept free below the clip, for what a relay or list server may add on the way
SIZE_LIMIT = GMAIL_CLIP - MARGIN  # what the fitter holds the HTML part to, encoded
QUOTED_PRINTABLE, BASE64 = "quoted-printable", "base64"


@dataclass(frozen=True)
class WireSize:
    """How big an issue's HTML part is, decoded and as sent; what the preview and ``feeder digest`` show."""

    decoded: int  # bytes of UTF-8, CRLF line ends
    encoded: int  # bytes of the part's body as sent, in `encoding`
    encoding: str  # "quoted-printable" or "base64": the smaller of the two, which the message uses
    other: int  # bytes in the other encoding (shows what choosing saved)
    clip: int = GMAIL_CLIP
    limit: int = SIZE_LIMIT

    @property
    def fits(self) -> bool:
        """Under the fitter's limit (the clip less :data:`MARGIN`)."""
        return self.encoded <= self.limit

    @property
    def spare(self) -> int:
        """Bytes left below Gmail's clip (negative: clipped)."""
        return self.clip - self.encoded

    def __str__(self) -> str:
        return (f"{self.encoded:,} bytes as sent ({self.encoding}; {self.decoded:,} decoded), "
                f"Gmail clips at {self.clip:,}")


def encoded_length(body: str, encoding: str) -> int:
    """Bytes *body* takes as a ``text/html; charset=utf-8`` part body in *encoding*, CRLF line ends."""
    part = EmailMessage(policy=policy.SMTP)
    part.set_content(body, subtype="html", charset="utf-8", cte=encoding)
    payload = part.get_payload()  # ASCII, with "\n" where the wire has CRLF
    assert isinstance(payload, str)  # a single part's body
    return len(payload) + payload.count("\n")


def wire_size(body: str) -> WireSize:
    """*body*'s sizes, with the smaller encoding chosen (quoted-printable when they tie: it stays readable)."""
    qp, b64 = encoded_length(body, QUOTED_PRINTABLE), encoded_length(body, BASE64)
    decoded = len(body.encode()) + body.count("\n")
    if qp <= b64:
        return WireSize(decoded, qp, QUOTED_PRINTABLE, b64)
    return WireSize(decoded, b64, BASE64, qp)
