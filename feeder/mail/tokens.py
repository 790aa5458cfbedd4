"""The opaque, signed tokens in list links: ``/confirm/TOKEN`` and ``/unsubscribe/TOKEN``.

A token carries a subscriber's id, never the address: a link forwarded,
logged by a proxy or shown in a screenshot names nobody, and only the holder of
the key can make one (so nobody can unsubscribe somebody else by editing a URL,
which the old ``?email=`` link allowed).  Signing is :mod:`itsdangerous`'
HMAC-SHA256 over a URL-safe payload; each purpose has its own salt, so a
confirmation token is no unsubscribe token and the other way round.

* A confirmation token carries the time it was made and is refused after
  ``serve.confirm_expiry_days``; the age is measured against a ``now`` the
  caller passes (the clock is read once, in the CLI or the request handler).
* An unsubscribe token never expires: a digest read a year later must still
  let its reader leave.

Keys: the current key signs; the old keys (``FEEDER_OLD_SECRET_KEYS``) still
verify, so rotating the key breaks no link already sent.  The keys come from
the environment only, read by the CLI and passed in, and never appear in a
message or log line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from feeder.errors import BadToken, ConfigError, ExpiredToken

MIN_KEY_LENGTH = 16
_CONFIRM = "feeder.confirm"
_UNSUBSCRIBE = "feeder.unsubscribe"
KEY_HINT = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose "now" is given, not read: tokens are made and checked at the caller's time."""

    def __init__(self, *args: Any, now: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return self._now


class Tokens:
    """Make and check the list's tokens with one current key and any number of old ones."""

    def __init__(self, key: str, old_keys: Sequence[str] = ()) -> None:
        self._keys = [*old_keys, key]  # itsdangerous signs with the last and verifies with all

    @classmethod
    def from_environment_values(cls, key: str | None, old_keys: str | None) -> Tokens:
        """From the values of FEEDER_SECRET_KEY and FEEDER_OLD_SECRET_KEYS (comma-separated), as the CLI read them.

        A missing or short key is a :class:`ConfigError` that says what to set; no key is ever quoted.
        """
        if not key or not key.strip():
            raise ConfigError("FEEDER_SECRET_KEY is not set: the list's confirm and unsubscribe links are signed "
                              f"with it; set it in the environment of every feeder command ({KEY_HINT})")
        olds = [k.strip() for k in (old_keys or "").split(",") if k.strip()]
        short = [name for name, value in [("FEEDER_SECRET_KEY", key.strip())] +
                 [(f"FEEDER_OLD_SECRET_KEYS (key {n})", k) for n, k in enumerate(olds, 1)]
                 if len(value) < MIN_KEY_LENGTH]
        if short:
            raise ConfigError(*(f"{name}: too short to sign with (at least {MIN_KEY_LENGTH} characters); {KEY_HINT}"
                                for name in short))
        return cls(key.strip(), olds)

    def confirm_token(self, subscriber_id: int, now: datetime) -> str:
        """The token of ``/confirm/TOKEN`` for *subscriber_id*, made at *now*."""
        return self._timed(now).dumps(subscriber_id)

    def check_confirm(self, token: str, now: datetime, max_age: timedelta) -> int:
        """The subscriber id in a confirmation *token* no older than *max_age* at *now*.

        :class:`ExpiredToken` when genuine but too old; :class:`BadToken` for anything else.
        """
        try:
            value = self._timed(now).loads(token, max_age=int(max_age.total_seconds()))
        except SignatureExpired:
            raise ExpiredToken("this confirmation link has expired; subscribe again to get a new one") from None
        except BadData:
            raise BadToken("this confirmation link is not valid (cut short, changed, or not made by this site)") \
                from None
        return _subscriber_id(value)

    def unsubscribe_token(self, subscriber_id: int) -> str:
        """The token of ``/unsubscribe/TOKEN`` for *subscriber_id*: the same every time, valid for ever."""
        return self._plain().dumps(subscriber_id)

    def check_unsubscribe(self, token: str) -> int:
        """The subscriber id in an unsubscribe *token*; :class:`BadToken` when it is not one of ours."""
        try:
            value = self._plain().loads(token)
        except BadData:
            raise BadToken("this unsubscribe link is not valid (cut short, changed, or not made by this site)") \
                from None
        return _subscriber_id(value)

    def _timed(self, now: datetime) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._keys, salt=_CONFIRM, signer=_ClockSigner,
                                      signer_kwargs={"now": int(now.timestamp()), "digest_method": hashlib.sha256})

    def _plain(self) -> URLSafeSerializer:
        return URLSafeSerializer(self._keys, salt=_UNSUBSCRIBE, signer_kwargs={"digest_method": hashlib.sha256})

    def __repr__(self) -> str:  # never the keys, in a traceback or a debugger
        return f"Tokens(<{len(self._keys)} key(s)>)"


def _subscriber_id(value: Any) -> int:
    """A signed value is ours, so this only guards against a payload from an older format."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadToken("this link is not valid (it names no subscriber)")
    return value
