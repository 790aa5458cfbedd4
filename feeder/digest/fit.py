"""An issue made to fit under Gmail's clipping limit, taking from the post that costs the most first.

Gmail hides a message body over about 102 KB behind "View entire message",
so an issue over :data:`SIZE_LIMIT` is cut, in this order:

1. **The offender first.**  One post can cost more than all the others together:
   a paragraph made of long links is a few hundred characters of excerpt but
   hundreds of kilobytes of HTML; an ``image:`` URL can be as long as one
   likes.  Each item's share of the HTML is measured (the issue rendered with
   that item alone, less the frame around it), and an item that costs more than
   twice the median is shortened (its own excerpt, by at least a third a step,
   down to :data:`MIN_EXCERPT`) and, if it is still that big, left out, named
   in a warning.  The other posts keep their full excerpts.
2. **Then everyone alike** (posts of about the same size): every excerpt is
   shortened in proportion, then the oldest items go.

Measuring costs one small render per item, and only for an issue that is over
the limit; an issue that fits is rendered once.
"""

from __future__ import annotations

import html
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from feeder.config import Config
from feeder.digest.body import UNSUBSCRIBE_TOKEN, Bodies, Item, item
from feeder.posts.render import Rendered

SIZE_LIMIT = 102 * 1000  # bytes of HTML; Gmail clips a message body above ~102 KB behind "View entire message"
MIN_EXCERPT = 60  # characters; below this an excerpt says nothing, so items go instead
MAX_ADDRESS = 254  # the longest email address (RFC 5321), for the size headroom of the unsubscribe URL
OUTLIER = 2  # an item costing more than this many times the median item is the one to cut first


@dataclass
class Fitted:
    """What fitted: the items shown (newest first), and the bodies rendered from them."""

    shown: list[Rendered]
    html: str
    text: str
    subject: str
    size: int  # bytes of HTML, with room for the longest unsubscribe URL
    length: int  # the excerpt length every item got (an offender may have got less)
    warnings: list[str] = field(default_factory=list)


def fit(config: Config, bodies: Bodies, week: str, posts: list[Rendered], total: int,
        subject_of: Callable[[int], str]) -> Fitted:
    """*posts* (newest first, at most ``digest.max_items``) rendered to fit under :data:`SIZE_LIMIT`.

    *total* is how many posts the week has (the rest are "more on the site");
    *subject_of* gives the subject for a number of items shown.
    """
    shown = list(posts)
    length = config.digest.excerpt_length
    own: dict[str, int] = {}  # a shortened offender's excerpt length, by post path
    costs: dict[tuple[str, int], int] = {}  # bytes of HTML with one item alone, by (path, excerpt length)
    offenders, warnings = True, []
    while True:
        lengths = [min(length, own.get(r.post.path, length)) for r in shown]
        items = [item(config, r, n) for r, n in zip(shown, lengths, strict=True)]
        subject = subject_of(len(shown))
        body_html, body_text = bodies.render(items, subject=subject, omitted=total - len(shown))
        size = len(body_html.encode()) + _headroom(config, body_html)
        if size <= SIZE_LIMIT:
            break
        if offenders and len(shown) > 1:
            found = _offender(bodies, shown, lengths, items, subject, len(body_html.encode()), costs)
            if found is not None:
                index, cost, median = found
                path, current = shown[index].post.path, lengths[index]
                if current > MIN_EXCERPT:  # shorten its excerpt toward what the others cost, by a third at least
                    target = max(cost - (size - SIZE_LIMIT), OUTLIER * median)
                    own[path] = max(MIN_EXCERPT, min(current * 2 // 3, current * target // cost))
                else:
                    warnings.append(f"{week}: {path} left out: it alone takes {cost:,} bytes of HTML even with "
                                    f"its excerpt cut to {current} characters (the others take about {median:,}); "
                                    f"Gmail clips messages over {SIZE_LIMIT // 1000} KB")
                    del shown[index]
                continue
            offenders = False
        if length > MIN_EXCERPT:  # excerpts dominate a big issue: shrink them in proportion, at least by a third
            length = max(MIN_EXCERPT, min(length * 2 // 3, length * SIZE_LIMIT // size))
        elif len(shown) > 1:  # items cost about the same each: drop the oldest in proportion to the excess
            shown = shown[: max(1, min(len(shown) - 1, len(shown) * SIZE_LIMIT // size))]
        else:
            warnings.append(f"{week}: the HTML is {size} bytes even with one post; Gmail clips above {SIZE_LIMIT}")
            break
    for r in shown:
        if own.get(r.post.path, length) < length:
            warnings.append(f"{week}: {r.post.path}: excerpt cut to {own[r.post.path]} characters, where the "
                            f"others have {length}: its HTML is much larger than theirs")
    return Fitted(shown, body_html, body_text, subject, size, length, warnings)


def _offender(bodies: Bodies, shown: list[Rendered], lengths: list[int], items: list[Item], subject: str,
              whole: int, costs: dict[tuple[str, int], int]) -> tuple[int, int, int] | None:
    """(index, bytes, median bytes) of the item that costs over :data:`OUTLIER` times the median; None if none.

    An item's cost is the issue with that item alone less the frame around the
    items, the frame being what the one-item issues have in common with the
    whole (*whole* bytes): n one-item issues hold n frames, the whole one.
    """
    alone = []
    for r, n, one in zip(shown, lengths, items, strict=True):
        key = (r.post.path, n)
        if key not in costs:
            costs[key] = len(bodies.html([one], subject=subject).encode())
        alone.append(costs[key])
    frame = max(0, (sum(alone) - whole) // (len(alone) - 1))
    own = [max(1, cost - frame) for cost in alone]
    median = int(statistics.median(own))
    index = max(range(len(own)), key=own.__getitem__)
    return (index, own[index], median) if own[index] > OUTLIER * median else None


def _headroom(config: Config, body: str) -> int:
    """Bytes the longest possible recipient's unsubscribe URLs may add to *body*."""
    if config.digest.unsubscribe_url is None:
        return 0
    longest = len(html.escape(config.digest.unsubscribe_url)) + 3 * MAX_ADDRESS
    return body.count(UNSUBSCRIBE_TOKEN) * max(0, longest - len(UNSUBSCRIBE_TOKEN))
