"""One-click unsubscribes written in groups: one transaction, and one fsync, for all that arrived meanwhile.

Every write to the store waits for the disk (``synchronous=FULL``: an unsubscribe
that was answered survives a crash or a power cut), and on a shared disk that
wait is 1 to 7 ms, one write at a time.  A mailbox provider that sends a burst of
one-click requests would find them queued behind each other's fsync.  So one
thread writes them: it takes the first request, then every other that is already
waiting (up to :data:`MAX_BATCH`), and unsubscribes them all in one transaction
(:meth:`~feeder.mail.subscribers.SubscriberStore.unsubscribe_many`).  Each request
is answered only after that commit, so "200" still means "on disk".  One
request alone is written at once: nothing ever waits for others to arrive.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime

from feeder.mail.subscribers import Subscriber, SubscriberStore

log = logging.getLogger(__name__)
MAX_BATCH = 256


@dataclass(frozen=True)
class _Request:
    subscriber_id: int
    now: datetime
    detail: str
    answer: concurrent.futures.Future[Subscriber | None] = field(default_factory=concurrent.futures.Future)


class Unsubscribes:
    """The writer thread and its queue; :meth:`close` after the server has stopped."""

    def __init__(self, store: SubscriberStore, max_batch: int = MAX_BATCH) -> None:
        self.store, self.max_batch = store, max_batch
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="feeder-serve-unsubscribes", daemon=True)
        self._thread.start()

    async def unsubscribe(self, subscriber_id: int, now: datetime, detail: str) -> Subscriber | None:
        """The subscriber after the unsubscribe is on disk (None: no such subscriber); store errors are raised."""
        request = _Request(subscriber_id, now, detail)
        self._queue.put(request)
        return await asyncio.wrap_future(request.answer)

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    stopping = True
                    break
                batch.append(waiting)
            try:
                done = self.store.unsubscribe_many([(r.subscriber_id, r.now, r.detail) for r in batch])
            except Exception as exc:  # each request gets the error (the app answers 503), the thread goes on
                for request in batch:
                    request.answer.set_exception(exc)
                continue
            if len(batch) > 1:
                log.debug("%d unsubscribes written in one transaction", len(batch))
            for request, subscriber in zip(batch, done, strict=True):
                request.answer.set_result(subscriber)
