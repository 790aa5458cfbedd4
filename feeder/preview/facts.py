"""What the desk says about an issue beyond the issue itself: its size as sent, its preheader.

Gmail clips a message whose HTML part is over about 102 KB *as it travels*:
the quoted-printable (or base64) text in the message, not the decoded HTML,
and quoted-printable can add a third to a page full of ``=3D`` and non-ASCII
text.  :func:`sent_size` measures exactly that part, built as
:func:`feeder.digest.message.build_message` builds it, for the placeholder
recipient.  These few functions are the one place the desk reads such facts,
so that when the issue carries them itself the desk switches here.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser

# Bytes of the encoded HTML part above which Gmail shows "[Message clipped]".  Not the digest's SIZE_LIMIT:
# that is what the fitter aims at, and may be set below the clip to leave a margin.
CLIP = 102 * 1000
_PADDING = "\u200c\u00a0\u034f\u00ad\u2007\u200b\ufeff"  # what templates put after a preheader to keep body text out


def sent_size(body_html: str) -> int:
    """Bytes of *body_html* as the HTML part of the digest message carries it (transfer-encoded)."""
    part = EmailMessage(policy=policy.SMTP)
    part.set_content(body_html, subtype="html", charset="utf-8")  # as build_message's add_alternative does
    payload = part.get_payload()
    assert isinstance(payload, str)  # a leaf part: its encoded body as text
    return len(payload.encode("ascii"))


def preheader(body_html: str) -> str:
    """The inbox preview line: the text of the template's ``preheader`` element, without its padding."""
    finder = _Preheader()
    finder.feed(body_html)
    finder.close()
    return " ".join("".join(finder.text).translate({ord(c): " " for c in _PADDING}).split())


class _Preheader(HTMLParser):
    """Collects the text inside the first element whose class list holds ``preheader``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # > 0 while inside the preheader (elements opened in it, plus itself)
        self.done = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag not in _VOID
        elif not self.done and "preheader" in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
