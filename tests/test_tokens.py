"""Signed list tokens: opaque, purpose-bound, rotatable, and confirmation tokens expire at an injected time."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest

from feeder.errors import BadToken, ConfigError, ExpiredToken, TokenError
from feeder.mail.tokens import Tokens

KEY, OLD, OTHER = "k" * 32, "o" * 32, "x" * 32
NOW = datetime(2025, 12, 1, 9, 0, tzinfo=timezone.utc)
WEEK = timedelta(days=7)


def test_a_confirmation_token_round_trips_until_it_expires() -> None:
    tokens = Tokens(KEY)
    token = tokens.confirm_token(42, NOW)
    assert tokens.check_confirm(token, NOW, WEEK) == 42
    assert tokens.check_confirm(token, NOW + WEEK - timedelta(seconds=1), WEEK) == 42
    with pytest.raises(ExpiredToken):
        tokens.check_confirm(token, NOW + WEEK + timedelta(seconds=1), WEEK)


def test_an_unsubscribe_token_never_expires_and_is_stable() -> None:
    tokens = Tokens(KEY)
    assert tokens.unsubscribe_token(7) == tokens.unsubscribe_token(7) != tokens.unsubscribe_token(8)
    assert tokens.check_unsubscribe(tokens.unsubscribe_token(7)) == 7


def test_tampered_foreign_and_cross_purpose_tokens_are_bad_tokens() -> None:
    tokens = Tokens(KEY)
    unsubscribe, confirm = tokens.unsubscribe_token(7), tokens.confirm_token(7, NOW)
    signature = unsubscribe.partition(".")[2]
    forged = base64.urlsafe_b64encode(b"8").decode().rstrip("=") + "." + signature  # another id, same signature
    for bad in (forged, unsubscribe[:-2], "", "garbage", Tokens(OTHER).unsubscribe_token(7), confirm):
        with pytest.raises(BadToken):
            tokens.check_unsubscribe(bad)
    with pytest.raises(BadToken):
        tokens.check_confirm(unsubscribe, NOW, WEEK)
    with pytest.raises(BadToken):
        tokens.check_confirm(Tokens(OTHER).confirm_token(7, NOW), NOW, WEEK)
    assert issubclass(BadToken, TokenError) and issubclass(ExpiredToken, TokenError)
    assert not issubclass(BadToken, ExpiredToken)


def test_old_keys_verify_and_only_the_current_key_signs() -> None:
    before = Tokens(OLD)
    rotated = Tokens.from_environment_values(KEY, f" {OLD} ,")
    assert rotated.check_unsubscribe(before.unsubscribe_token(5)) == 5
    assert rotated.check_confirm(before.confirm_token(5, NOW), NOW, WEEK) == 5
    assert Tokens(KEY).check_unsubscribe(rotated.unsubscribe_token(5)) == 5  # signed with the current key
    with pytest.raises(BadToken):
        before.check_unsubscribe(rotated.unsubscribe_token(5))


def test_the_token_does_not_reveal_the_address() -> None:
    token = Tokens(KEY).unsubscribe_token(123)
    assert "@" not in token and "example" not in token
    assert token.isascii() and all(c.isalnum() or c in "-_." for c in token)  # safe in a URL path as is


def test_a_missing_or_short_key_is_a_config_error_that_never_shows_the_key() -> None:
    with pytest.raises(ConfigError, match="FEEDER_SECRET_KEY is not set"):
        Tokens.from_environment_values(None, None)
    with pytest.raises(ConfigError, match="FEEDER_SECRET_KEY is not set"):
        Tokens.from_environment_values("  ", None)
    with pytest.raises(ConfigError) as caught:
        Tokens.from_environment_values("short-secret", "also-short")
    assert "short-secret" not in str(caught.value) and "also-short" not in str(caught.value)
    assert len(caught.value.problems) == 2
    assert KEY not in repr(Tokens(KEY))
