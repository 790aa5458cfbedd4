"""Forgetting a person (GDPR article 17): everywhere feeder keeps their address, at once.

The subscriber store erases their row, consent and history and keeps a keyed hash
so that no import mails them again (:meth:`~feeder.mail.sqlite_store.SqliteStore.forget`);
the weekly send journals name everyone who got a week, so their lines go too
(:func:`feeder.mail.ledger.scrub`).  The store goes first: once it has forgotten
the address, no send can add it to a journal again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feeder.addresses import address_key
from feeder.config import Config
from feeder.mail.ledger import scrub
from feeder.mail.subscribers import SubscriberStore


@dataclass(frozen=True)
class Erased:
    known: bool  # the address was on the list
    journal_lines: int  # lines naming it removed from the send journals


def forget(config: Config, store: SubscriberStore, address: str, now: datetime) -> Erased:
    """Erase *address* from the store and the send journals; keep only its hash in the store."""
    known = store.forget(address, now)
    return Erased(known, scrub(config.state_dir, address_key(address)))
