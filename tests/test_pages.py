"""feeder.serve.pages: every page in every language, escaped, overridable, checked at start, and fit for a phone."""

from __future__ import annotations

from pathlib import Path

import browser
import pytest
from conftest import REPO, missing_tool

from feeder.config import Site
from feeder.errors import ConfigError
from feeder.i18n import WORDS
from feeder.serve.pages import PAGES, PROBLEMS, Pages

PUBLIC = "https://list.example.com/news/"


def site(language: str = "en", title: str = "Test Site") -> Site:
    from zoneinfo import ZoneInfo

    return Site(title=title, url="https://example.com/", description="", language=language,
                timezone=ZoneInfo("UTC"), author=None)


@pytest.mark.parametrize("language", sorted(WORDS))
def test_every_page_renders_in_every_language(language: str) -> None:
    pages = Pages(site(language), public_url=PUBLIC)
    pages.check()
    for name in PAGES:
        if name != "error.html":
            page = pages.render(name, address="reader@example.com")
            assert f'<html lang="{language}" dir="ltr">' in page and "reader@example.com" in page
    for problem, status in PROBLEMS.items():
        code, page = pages.problem(problem)
        assert code == status and f"<h1>{WORDS[language][problem + '_title']}</h1>" in page


def test_the_packaged_pages_are_the_repository_templates() -> None:
    """templates/serve/ is the one to edit; the package's folder links to it, like templates/email/."""
    packaged = REPO / "feeder" / "templates" / "serve"
    assert packaged.is_symlink() and packaged.resolve() == (REPO / "templates" / "serve").resolve()
    assert sorted(p.name for p in packaged.iterdir()) == sorted(["base.html", *PAGES])


def test_what_a_reader_typed_is_shown_as_text() -> None:
    pages = Pages(site(title="A & B <Site>"), public_url=PUBLIC)
    page = pages.render("subscribed.html", address='"><script>alert(1)</script>@x.org')
    assert "<script>" not in page and "&lt;script&gt;" in page and "A &amp; B &lt;Site&gt;" in page


def test_the_pages_post_where_they_should() -> None:
    pages = Pages(site(), public_url=PUBLIC)
    assert '<form method="post" action="">' in pages.render("confirm.html", address="a@x.org")
    unsubscribe = pages.render("unsubscribe.html", address="a@x.org")
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in unsubscribe
    again = pages.render("unsubscribed.html", address="a@x.org")
    assert f'action="{PUBLIC}subscribe"' in again and 'name="email" value="a@x.org"' in again


def test_a_site_folder_overrides_one_page_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "base.html").write_text("<main class=mine>{% block content %}{% endblock %}</main>", encoding="utf-8")
    pages = Pages(site(), public_url=PUBLIC, override=tmp_path)
    pages.check()
    page = pages.render("confirmed.html", address="a@x.org")
    assert page.startswith("<main class=mine>") and "The weekly digest of Test Site will come to a@x.org" in page


@pytest.mark.parametrize(("text", "message"), [
    ("{% if %}", "confirmed.html:1: template error"),
    ("{{ nothing.here }}", "serve.templates: a page uses an unknown value"),
])
def test_a_broken_override_is_a_config_error_at_start(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "confirmed.html").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        Pages(site(), public_url=PUBLIC, override=tmp_path).check()
    with pytest.raises(ConfigError, match="is not a folder"):
        Pages(site(), public_url=PUBLIC, override=tmp_path / "missing")


@pytest.mark.parametrize("dark", [False, True])
def test_the_unsubscribe_page_fits_a_phone(tmp_path: Path, dark: bool) -> None:
    if browser.chromium() is None:
        missing_tool("chromium", "apt-get install chromium fonts-noto-cjk")
    pages = Pages(site("ja", "ALLFORCES"), public_url=PUBLIC)
    long_address = "a.very.long.address.that.does.not.break.easily." * 2 + "x@example.com"
    shot = browser.shoot(pages.render("unsubscribed.html", address=long_address), 375,
                         browser.artifacts() / f"serve-unsubscribed-375{'-dark' if dark else ''}.png", dark=dark)
    assert shot.scroll_width <= 375 and shot.widest <= 375, shot
    assert shot.text > 60
    background = sum(browser.pixel(shot.png, 4, 4)) / 3
    assert background < 60 if dark else background > 200  # a dark page in dark mode, a light one otherwise
