"""What the desk says about an issue beyond the issue itself: its size as sent, its preheader.

Gmail clips a message whose HTML part is over about 102 KB *as it travels*
(transfer-encoded, see :mod:`feeder.digest.wire`); the issue measures that part
itself (:attr:`Issue.size`), and the desk shows the issue's own figure, the one
``feeder digest`` prints and the fitter holds under the clip.  These few
functions are the one place the desk reads such facts off an issue.
"""

from __future__ import annotations

from html.parser import HTMLParser

from feeder.digest.issue import GMAIL_CLIP, Issue

CLIP = GMAIL_CLIP  # bytes of the encoded HTML part above which Gmail shows "[Message clipped]"
_PADDING = "\u200c\u00a0\u034f\u00ad\u2007\u200b\ufeff"  # what templates put after a preheader to keep body text out


def sent_size(issue: Issue) -> tuple[int, int]:
    """(bytes as sent, bytes decoded) of *issue*'s HTML part, for the longest unsubscribe URL."""
    return issue.size.encoded, issue.size.decoded


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
