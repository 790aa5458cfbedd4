"""Jekyll's front matter rules (feeder/posts/jekyll_post.py), each as Jekyll 4.3's Document applies it."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from feeder.jekyll_data import freeze
from feeder.jekyll_site import Default, JekyllSite
from feeder.posts import jekyll_post as rules

BERLIN = ZoneInfo("Europe/Berlin")


def _site(*defaults: Default) -> JekyllSite:
    from pathlib import Path

    from feeder.jekyll_site import Kramdown
    return JekyllSite(root=Path("/site"), config_file=Path("/site/_config.yml"), site_vars=freeze({}),
                      data=freeze({}), includes_dir=Path("/site/_includes"), layouts_dir=Path("/site/_layouts"),
                      excerpt_separator="\n\n", permalink="/:title/", defaults=defaults, kramdown=Kramdown(),
                      future=False, show_drafts=False, exclude=(), markdown_ext=("md",))


def test_defaults_apply_by_path_and_type_the_most_specific_last_and_front_matter_over_all() -> None:
    site = _site(Default("", "posts", freeze({"layout": "post", "image": "/a.png", "seo": {"type": "Article"}})),
                 Default("travel", None, freeze({"layout": "trip", "seo": {"card": "big"}})),
                 Default("", "pages", freeze({"layout": "page"})),
                 Default("travel/*/_posts", "posts", freeze({"image": "/rail.png"})),
                 Default("other", None, freeze({"layout": "other"})))
    meta = rules.with_defaults({"title": "T", "image": "/own.png"}, "travel/europe/_posts/2024-01-01-a.md", site)
    assert meta == {"layout": "trip", "image": "/own.png", "seo": {"type": "Article", "card": "big"}, "title": "T"}
    assert rules.with_defaults({}, "travel/europe/_posts/2024-01-01-a.md", site)["image"] == "/rail.png"
    assert rules.with_defaults({}, "_posts/2024-01-01-a.md", site) == {"layout": "post", "image": "/a.png",
                                                                        "seo": {"type": "Article"}}


def test_categories_from_folders_defaults_front_matter_and_category_in_jekylls_order() -> None:
    path = "Big Data/linux/_posts/sub/2024-01-01-a.md"
    assert rules.folder_categories(path) == ["Big Data", "linux"]  # not "sub": it is below _posts
    assert rules.folder_categories("_posts/2024-01-01-a.md") == []
    found = rules.categories({"categories": "hadoop linux", "category": "Edge Case"}, {"categories": ("ops",)}, path)
    assert found == ["Big Data", "linux", "ops", "hadoop", "Edge Case"]
    assert rules.categories({"categories": [2024, True, None, ""]}, {}, "_posts/x.md") == ["2024", "true"]


def test_tag_wins_over_tags_and_tags_text_is_split() -> None:
    assert rules.tags({"tags": "a b  a"}) == ["a", "b"]
    assert rules.tags({"tag": "one tag", "tags": ["x"]}) == ["one tag"]
    assert rules.tags({"tags": None}) == []


@pytest.mark.parametrize(("meta", "published", "warned"), [
    ({}, True, False), ({"published": True}, True, False), ({"published": False}, False, False),
    ({"published": None}, False, True),  # an empty published: is nil, which Jekyll does not publish
    ({"published": "ruby"}, True, True), ({"published": 0}, True, True),
])
def test_published_as_jekyll_reads_it(meta: dict, published: bool, warned: bool) -> None:
    result, warning = rules.published(meta)
    assert result is published and (warning is not None) is warned


@pytest.mark.parametrize(("value", "expected", "warned"), [
    # as Ruby's Time.parse(value.to_s).localtime read each (TZ=Europe/Berlin); YAML timestamps as Psych builds them
    ("2023-01-29 18:30:22 2023 -0800", "2023-01-29T18:30:22+01:00", True),
    ("2023-01-29 18:30:22 -0800", "2023-01-30T03:30:22+01:00", False),
    ("Jan 29, 2023", "2023-01-29T00:00:00+01:00", True),
    ("29 January 2023 10:00 PST", "2023-01-29T19:00:00+01:00", True),
    ("2023-01-29 6:30 pm", "2023-01-29T18:30:00+01:00", True),
    (datetime(2023, 1, 29, 18, 30, 22), "2023-01-29T19:30:22+01:00", False),  # no offset: UTC to Psych
])
def test_front_matter_dates_as_jekyll_reads_them(value: object, expected: str, warned: bool) -> None:
    moment, warning = rules.front_date(value, BERLIN)
    assert moment.astimezone(BERLIN).isoformat() == expected
    assert (warning is not None) is warned


def test_a_date_nothing_can_read_is_an_error() -> None:
    with pytest.raises(ValueError):
        rules.front_date("sometime soon", BERLIN)


def test_file_names_and_titles_as_jekyll_reads_them() -> None:
    assert rules.file_name("_posts/2024-1-9-Hello, World...md") == ("2024-1-9", "Hello, World", ".md")
    assert rules.file_name("_posts/sub/2024-01-09-a.b.markdown") == ("2024-01-09", "a.b", ".markdown")
    assert rules.title_from_slug("my-first--post-") == "My First  Post"
    assert rules.title_from_slug("iPhone-tips") == "Iphone Tips"


def test_the_excerpt_is_the_text_before_the_separator_with_its_link_definitions() -> None:
    body = "\n\nFirst [one][1] and [two][2].\n\nSecond.\n\n[1]: https://e.org/1\n[2]: https://e.org/2 \"T\"\n"
    assert rules.excerpt_source(body, "\n\n") == (
        'First [one][1] and [two][2].\n\n[1]: https://e.org/1\n[2]: https://e.org/2 "T"')
    assert rules.excerpt_source("Only one paragraph.\n", "\n\n") == "Only one paragraph.\n"
    assert rules.excerpt_source("A {% if x %}yes\n\n{% endif %} b\n", "\n\n") == "A {% if x %}yes\n{% endif %}"
    assert rules.excerpt_source("whatever", "") is None  # an empty separator: no excerpt


def test_utc_datetimes_stay_instants() -> None:
    moment, _ = rules.front_date(datetime(2024, 1, 1, tzinfo=timezone.utc), BERLIN)
    assert moment == datetime(2024, 1, 1, tzinfo=timezone.utc)
