"""The serve: section and digest.postal_address / soft_bounce_weeks: checked, normalised, reported all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from feeder.config import load_config
from feeder.errors import ConfigError

SITE = "site:\n  title: T\n  url: https://example.com/\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(SITE + textwrap.dedent(text), encoding="utf-8")
    return path


def test_defaults_without_a_serve_section(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.serve.public_url is None and config.serve.thanks_url is None
    assert (config.serve.confirm_expiry_days, config.serve.confirm_interval) == (7, 3600)
    assert (config.digest.postal_address, config.digest.soft_bounce_weeks) == (None, 3)


def test_values_are_read_and_the_public_url_ends_in_a_slash(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
        serve:
          public_url: https://list.example.com/feeder
          thanks_url: https://example.com/thanks/?from=list
          confirm_expiry_days: 3
          subscribe_limit: 5
          subscribe_window: 60
          confirm_interval: 600
          templates: serve-pages
          trusted_proxies: [127.0.0.1, "::1", 10.0.0.0/8]
        digest:
          postal_address: |
            Example Ltd
              1 Main Street, Springfield
          soft_bounce_weeks: 2
    """))
    assert config.serve.public_url == "https://list.example.com/feeder/"
    assert config.serve.thanks_url == "https://example.com/thanks/?from=list"
    assert (config.serve.confirm_expiry_days, config.serve.subscribe_limit, config.serve.subscribe_window,
            config.serve.confirm_interval) == (3, 5, 60, 600)
    assert config.serve.templates == (tmp_path / "serve-pages").resolve()
    assert config.serve.trusted_proxies == ("127.0.0.1/32", "::1/128", "10.0.0.0/8")
    assert config.digest.postal_address == "Example Ltd\n1 Main Street, Springfield"
    assert config.digest.soft_bounce_weeks == 2


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, """
            serve:
              public_url: /relative/
              thanks_url: "javascript:alert(1)"
              confirm_expiry_days: 0
              confrim_interval: 5
              trusted_proxies: [127.0.0.1, proxy.local]
            digest:
              soft_bounce_weeks: 0
              postal_address: "   "
        """))
    text = str(caught.value)
    for key in ("serve.public_url", "serve.thanks_url", "serve.confirm_expiry_days", "serve.confrim_interval",
                "did you mean 'confirm_interval'", "'proxy.local'",
                "digest.soft_bounce_weeks", "digest.postal_address"):
        assert key in text
    assert len(caught.value.problems) == 7


@pytest.mark.parametrize("url", ["ftp://example.com/", "https://example.com/?a=1", "https://exa mple.com/",
                                 "https://bücher.example/"])
def test_a_public_url_links_can_be_built_from(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match=r"serve\.public_url"):
        load_config(write(tmp_path, f"serve:\n  public_url: '{url}'\n"))


def test_the_sample_config_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parent.parent / "config.yaml")
    assert config.serve.public_url is None or config.serve.public_url.endswith("/")
