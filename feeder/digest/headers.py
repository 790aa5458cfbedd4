"""The list headers (``List-Unsubscribe``, ``List-Unsubscribe-Post``, ``List-Id``) exactly as written.

Python's ``email`` package folds a header longer than 78 characters, and when
a header holds one long word — as ``<https://…/unsubscribe/TOKEN>`` always is —
it folds it by turning the whole value into RFC 2047 encoded-words
(``=?utf-8?q?=3Chttps=3A//…?=``).  A mailbox provider reads that as no URL at
all and shows no unsubscribe button.  :data:`POLICY` is the SMTP policy with
these three headers made :class:`VerbatimHeader`: written as given, in ASCII,
folded only at spaces (never inside a URL), never encoded.  Every other header
(a Japanese subject or sender name) is still encoded and folded as before.

:func:`list_id` builds RFC 2919's ``List-Id: Site Title <label.namespace>``;
its phrase is the one part that may need encoded-words, made here whole.
"""

from __future__ import annotations

from email import policy
from email.header import Header
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.policy import Policy
from email.utils import formataddr
from typing import Any

__all__ = ["MAX_LINE", "POLICY", "VerbatimHeader", "list_id"]

FOLD_AT = 78  # RFC 5322's "should": lines are folded at spaces past this, when there are spaces
MAX_LINE = 998  # RFC 5322's "must", without the CRLF
VERBATIM = ("list-unsubscribe", "list-unsubscribe-post", "list-id")


class VerbatimHeader(UnstructuredHeader):
    """A header written as given: ASCII only, no line breaks, folded only at spaces, never encoded.

    Its value is what was set (encoded-words included: :func:`list_id` makes its own), not the
    decoded text an :class:`UnstructuredHeader` would keep.
    """

    name: str  # BaseHeader's, which the registry mixes in (typeshed does not say so)

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        if not value.isascii():
            raise ValueError(f"header value must be ASCII, got {value!r}")
        super().parse(value, kwds)
        kwds["decoded"] = value

    def fold(self, *, policy: Policy) -> str:
        lines: list[str] = []
        line = f"{self.name}:"
        for index, word in enumerate(str(self).split()):
            if index and len(line) + 1 + len(word) > FOLD_AT:  # the first word stays beside the name
                lines.append(line)
                line = ""
            line += " " + word  # a continuation line starts with a space: folding whitespace
        lines.append(line)
        too_long = [line for line in lines if len(line) > MAX_LINE]
        if too_long:
            raise ValueError(f"{self.name}: a word of {len(too_long[0])} characters cannot go on one header line "
                             f"(at most {MAX_LINE})")
        return policy.linesep.join(lines) + policy.linesep


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    for name in VERBATIM:
        registry.map_to_type(name, VerbatimHeader)  # type: ignore[arg-type]  # BaseHeader is mixed in at run time
    return registry


# The message policy: SMTP's (CRLF, 78-column folding, RFC 2047 for non-ASCII) plus the verbatim list headers.
POLICY = policy.SMTP.clone(header_factory=_registry())


def list_id(title: str, identifier: str) -> str:
    """``Title <identifier>``: the phrase quoted, or RFC 2047-encoded when it is not ASCII; one line."""
    phrase = " ".join(title.split())  # a line break in the site title never becomes a header break
    if phrase.isascii():
        return formataddr((phrase, identifier))  # quoted when it holds specials such as "," or '"'
    words = Header(phrase, "utf-8", header_name="List-Id").encode(maxlinelen=FOLD_AT)  # each word fits a line
    return " ".join([*words.split(), f"<{identifier}>"])
