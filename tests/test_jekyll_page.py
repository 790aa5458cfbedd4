"""Liquid's page variables for a Jekyll site's post (feeder/posts/jekyll_page.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeder.config import load_config
from feeder.posts.jekyll_page import page_variables
from feeder.posts.post import parse_post


def test_page_variables_are_front_matter_over_defaults_with_what_jekyll_computes(jekyll_site: Path) -> None:
    config = load_config(jekyll_site / "config.yaml")
    path = "travel/europe/_posts/2024-03-10-night-train.md"
    post = parse_post(path, (jekyll_site / path).read_bytes(), config)
    page = page_variables(post, config.site.timezone)
    assert page["url"] == "/travel/europe/journeys/edge%20case/rail/2024/03/10/night-train/"  # without baseurl
    assert page["id"] == "/travel/europe/journeys/edge%20case/rail/2024/03/10/night-train"
    assert page["date"].isoformat() == "2024-03-10T00:00:00+01:00"  # in the site's timezone
    assert page["categories"] == ["travel", "europe", "journeys", "Edge Case", "rail"]
    assert page["tags"] == ["trains", "travel"]
    assert (page["slug"], page["title"], page["layout"], page["comments"]) == (
        "night-train", "The night train to Vienna", "trip", True)  # layout and comments from defaults
    assert (page["path"], page["name"], page["ext"], page["collection"]) == (
        path, "2024-03-10-night-train.md", ".md", "posts")
    page["title"] = "changed"
    assert page_variables(post, config.site.timezone)["title"] == "The night train to Vienna"


def test_a_title_made_of_the_slug_and_a_plain_site_post(jekyll_site: Path, sample_config) -> None:
    config = load_config(jekyll_site / "config.yaml")
    path = "_posts/2024-03-22-no-title-here.md"
    page = page_variables(parse_post(path, (jekyll_site / path).read_bytes(), config), config.site.timezone)
    assert page["title"] == "No Title Here" and "Title" not in str(page.get("tags"))
    plain = parse_post("2025-01-01-a.md", b"---\ntitle: A\n---\nx\n", sample_config)
    with pytest.raises(ValueError, match="not a post of a Jekyll site"):
        page_variables(plain, sample_config.site.timezone)
