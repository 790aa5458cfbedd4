"""The desk's pages drawn from :mod:`feeder.preview.desk`'s values, and the email made to show light or dark.

The pages are Jinja2 templates in ``feeder/preview/templates`` (autoescaped:
every title, path and message is text).  Their one stylesheet and one script
are written into each page, and the Content-Security-Policy allows exactly
those two by their hashes: nothing else runs or styles a page, and nothing is
loaded from anywhere.

Mail clients show an email light or dark as the reader's system is set;
:func:`email_view` pins it, so the desk shows both side by side whatever the
editor's own system is: its ``prefers-color-scheme`` media rules are made to
always (or never) apply, and the document's ``color-scheme`` is set to match.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import jinja2
from markupsafe import Markup

from feeder.preview.desk import Index, Sheet
from feeder.preview.facts import CLIP

Scheme = Literal["light", "dark"]
_FILES = resources.files("feeder.preview") / "templates"
CSS = (_FILES / "desk.css").read_text(encoding="utf-8")
SCRIPT = (_FILES / "live.js").read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


PAGE_CSP = (f"default-src 'none'; style-src {_hash(CSS)}; script-src {_hash(SCRIPT)}; connect-src 'self'; "
            "frame-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# The email in a frame of the desk: its own inline styles, remote images as a mail client loads them, no script.
EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; frame-ancestors 'self'"
_SCHEME = re.compile(r"\(\s*prefers-color-scheme\s*:\s*(light|dark)\s*\)", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^<>]*>", re.IGNORECASE)  # [^<>]: from each "<head" the scan stops at the next tag
_ENV = jinja2.Environment(loader=jinja2.PackageLoader("feeder.preview", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.globals.update(css=Markup(CSS), script=Markup(SCRIPT))  # as hashed in PAGE_CSP: written as they are


@dataclass(frozen=True)
class Chrome:
    """What every page shows around its content."""

    site: str  # the site's title
    now: str  # the clock, as the site's wall clock shows it
    version: str  # the files' signature the page was made from (see feeder.preview.watch)


@dataclass(frozen=True)
class Notice:
    """What a "send a test" did, shown once on the week page it came from."""

    ok: bool
    lines: tuple[str, ...]


def index_page(chrome: Chrome, index: Index) -> str:
    return _ENV.get_template("index.html").render(chrome=chrome, index=index)


def week_page(chrome: Chrome, sheet: Sheet, *, token: str, test_to: tuple[str, ...], notice: Notice | None) -> str:
    """The week's desk: facts, problems, warnings, the send-a-test form (with *token*), the email in three frames."""
    title = "No digest for this week" if sheet.empty else "Template error" if "template error" in (
        sheet.error or "") else "This week's digest cannot be made"
    return _ENV.get_template("week.html").render(chrome=chrome, sheet=sheet, token=token, test_to=test_to,
                                                 notice=notice, clip=CLIP, error_title=title)


def message_page(chrome: Chrome, title: str, message: str) -> str:
    """A page that only says something went wrong (a 404, a config that does not load, a crashed render)."""
    return _ENV.get_template("message.html").render(chrome=chrome, title=title, message=message)


def email_view(body_html: str, scheme: Scheme) -> str:
    """*body_html* as a client set to *scheme* shows it: its dark rules always or never applied."""
    always, never = "(min-width: 0px)", "(max-width: 0px)"  # true and false in any frame the desk makes

    def pinned(match: re.Match[str]) -> str:
        return always if match[1].lower() == scheme else never

    pinned_html = _SCHEME.sub(pinned, body_html)
    rule = f"<style>:root{{color-scheme:{scheme}}}</style>"
    head = _HEAD.search(pinned_html)
    return pinned_html[: head.end()] + rule + pinned_html[head.end():] if head else rule + pinned_html
