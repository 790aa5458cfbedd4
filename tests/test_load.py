"""Reading the posts an output needs: once whole, or again for the body alone."""

from __future__ import annotations

import pytest

from feeder.errors import PostError
from feeder.posts.load import load, load_one, load_parsed, reload
from feeder.posts.scan import scan


def _first(config) -> str:
    return sorted(p.relative_to(config.posts_dir).as_posix() for p in config.posts_dir.glob("*.md"))[0]


def test_reload_gives_what_load_gave_without_parsing_again(sample_config) -> None:
    path = _first(sample_config)
    source = load_one(sample_config, path)
    assert reload(sample_config, source.post, source.digest) == source


def test_a_file_changed_since_it_was_read_is_a_problem_on_reload(sample_config) -> None:
    path = _first(sample_config)
    source = load_one(sample_config, path)
    file = sample_config.posts_dir / path
    file.write_bytes(file.read_bytes() + b"\nOne more line.\n")
    with pytest.raises(PostError, match="changed while this publish ran") as caught:
        reload(sample_config, source.post, source.digest)
    assert caught.value.path == path


def test_load_reports_each_unusable_file_and_keeps_the_rest(sample_config) -> None:
    path = _first(sample_config)
    (sample_config.posts_dir / "2025-01-01-broken.md").write_text("no front matter\n", encoding="utf-8")
    sources, problems = load(sample_config, ["2025-01-01-broken.md", path])
    assert [s.post.path for s in sources] == [path]
    assert [(p.path, p.line) for p in problems] == [("2025-01-01-broken.md", 1)]


def test_a_post_parsed_by_the_collection_is_paired_with_its_body_while_the_file_is_unchanged(sample_config) -> None:
    path = _first(sample_config)
    source = load_one(sample_config, path)
    signature = scan(sample_config.posts_dir)[path]
    again = load_parsed(sample_config, source.post, signature)
    assert again == source and again is not None and again.post is source.post  # not parsed again


def test_a_changed_file_is_not_paired_with_the_post_parsed_before(sample_config) -> None:
    path = _first(sample_config)
    source = load_one(sample_config, path)
    signature = scan(sample_config.posts_dir)[path]
    file = sample_config.posts_dir / path
    file.write_bytes(file.read_bytes() + b"\nOne more line.\n")
    assert load_parsed(sample_config, source.post, signature) is None  # the caller loads it afresh
    file.unlink()
    assert load_parsed(sample_config, source.post, signature) is None  # and reports it missing
