"""The one rule for characters that text bound for a feed, a page or an email may not carry.

XML 1.0 forbids the C0 controls other than tab, LF and CR, the surrogate code
points and U+FFFE/U+FFFF: one of them anywhere in a feed makes the whole
document unreadable to a strict parser.  DEL is allowed by XML but is never
meant as text and some readers refuse it, so it goes too.  Post text has these
characters dropped (:func:`clean_text`: the post is published without them
rather than lost); values a person typed into the configuration or the
recipients file are refused instead (:func:`find_control`), so the mistake is
fixed where it was made.

A value that becomes one header line (an address, a display name) must also
hold no line break, and "line break" means every character
:meth:`str.splitlines` breaks on: the :mod:`email` package splits header text
that way, so a ``\\x1c`` or ``U+2028`` could start a header of its own.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_CONTROL_OR_BREAK = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def clean_text(text: str) -> str:
    """*text* without the characters XML 1.0 forbids (and DEL); tab and line ends stay."""
    return _CONTROL.sub("", text)


def find_control(text: str, *, one_line: bool = False) -> str | None:
    """The first character of *text* that :func:`clean_text` would drop, or None.

    With *one_line* (a header value), line breaks count too; a tab is still allowed,
    as header folding whitespace.
    """
    match = (_CONTROL_OR_BREAK if one_line else _CONTROL).search(text)
    return match[0] if match else None
