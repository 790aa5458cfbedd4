"""Each recipient's message as the bytes that go on the wire, in list order, on every core.

Building one message (headers parsed and folded by the ``email`` package, two
bodies encoded) costs a few milliseconds of CPU — more than handing it to a
local SMTP server.  For a long list the messages are therefore built by worker
processes, a bounded window of small chunks ahead of the sender, while the
parent only sends and records: memory stays flat (at most WINDOW × CHUNK
messages exist at once) and the order, and so the ledger, are exactly those of
the list.  Short lists are built in-process: a worker costs more to start than
it saves.  The workers are :mod:`feeder.pool`'s: forked, so only a sender that
runs no other thread may ask for more than one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from feeder.config import Config
from feeder.digest.issue import Issue
from feeder.mail.dkim import Signer
from feeder.mail.recipients import Recipient
from feeder.pool import run_ordered

PARALLEL_FROM = 200  # recipients; below this, building in-process is faster
CHUNK = 16  # messages per task: amortises the round trip to a worker
WINDOW = 8  # chunks in flight: enough to keep the workers busy, bounded memory
MAX_WORKERS = 4

Compose = Callable[..., EmailMessage]  # feeder.digest.message.build_message's signature


@dataclass(frozen=True)
class Job:
    """Everything a message needs besides its recipient (inherited by each worker, never pickled)."""

    config: Config
    issue: Issue
    now: datetime
    week: str
    round: int  # --force rounds so far: each round gets fresh Message-IDs
    envelope_from: str
    compose: Compose
    signer: Signer | None = None  # smtp.dkim's, when the site signs

    def build(self, recipient: Recipient) -> tuple[str, bytes]:
        """(Message-ID, wire bytes with CRLF line ends, DKIM-signed if configured) for one recipient."""
        message = self.compose(self.config, self.issue, recipient.formatted, now=self.now,
                               message_id=message_id(self.week, self.round, recipient, self.envelope_from),
                               unsubscribe_url=recipient.unsubscribe_url)
        return str(message["Message-ID"]), wire_bytes(message, self.signer)


def wire_bytes(message: EmailMessage, signer: Signer | None = None) -> bytes:
    """What smtplib's ``send_message`` would send, made once (and off the sending process when parallel).

    With a *signer* (``smtp.dkim``), DKIM-signed: the signature is over these exact bytes.
    """
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    return signer.sign(data) if signer is not None else data


def message_id(week: str, round_: int, recipient: Recipient, envelope_from: str) -> str | None:
    """``None`` (the message's own deterministic ID) for the first round; a new one per ``--force`` round.

    A forced resend usually carries a correction: it must not look like a duplicate of the first copy.
    """
    if round_ == 0:
        return None
    digest = hashlib.sha256(f"{week}\0{round_}\0{recipient.key}".encode()).hexdigest()[:24]
    return f"<{week}.r{round_}.{digest}@{envelope_from.rpartition('@')[2]}>"


def messages(job: Job, todo: list[Recipient],
             workers: int = 1) -> Generator[tuple[Recipient, str, bytes], None, None]:
    """(recipient, Message-ID, bytes) for each of *todo*, in order, built on up to *workers* processes.

    Closing the iterator stops the workers.
    """
    chunks = [todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK)]
    built = run_ordered(min(workers, MAX_WORKERS), lambda chunk: [job.build(r) for r in chunk], chunks,
                        parallel_from=PARALLEL_FROM // CHUNK, window=WINDOW)
    try:
        for chunk, results in zip(chunks, built, strict=True):
            for recipient, (mid, data) in zip(chunk, results, strict=True):
                yield recipient, mid, data
    finally:
        built.close()
