"""An issue made to fit under Gmail's clipping limit, taking from the post that costs the most first.

Gmail hides a message body over about 102 KB behind "View entire message".
The size that counts is the HTML part as it travels, transfer-encoded (see
:mod:`feeder.digest.wire`), for the recipient with the longest possible
unsubscribe URL; an issue over :data:`SIZE_LIMIT` (the clip less a margin) is
cut, in this order (the template already spends as few bytes on styles as it
can, so only content is left to cut):

1. **The offender first.**  One post can cost more than all the others together:
   a paragraph made of long links is a few hundred characters of excerpt but
   hundreds of kilobytes of HTML; an ``image:`` URL can be as long as one
   likes.  Each item's share of the HTML is measured (the issue rendered with
   that item alone, less the frame around it), and an item that costs more than
   twice the median is shortened (its own excerpt, by at least a third a step,
   down to :data:`MIN_EXCERPT`) and, if it is still that big, left out, named
   in a warning.  The other posts keep their full excerpts.
2. **Then everyone alike** (posts of about the same size): the longest excerpt
   length that fits is searched for (bisection, to within 1 %, so the issue
   ends just under the limit rather than far below it); only when even
   :data:`MIN_EXCERPT` characters do not fit do the oldest items go, as few as
   fit.

Excerpts are cut at word and grapheme boundaries and never inside a link (see
:func:`feeder.posts.excerpt.truncate_html`).  Measuring costs one render per
try, and only for an issue that is over the limit; an issue that fits is
rendered once.
"""

from __future__ import annotations

import html
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from feeder.config import Config
from feeder.digest.body import UNSUBSCRIBE_TOKEN, Bodies, Item, item
from feeder.digest.wire import GMAIL_CLIP, SIZE_LIMIT, WireSize, wire_size
from feeder.posts.render import Rendered

MIN_EXCERPT = 60  # characters; below this an excerpt says nothing, so items go instead
MAX_ADDRESS = 254  # the longest email address (RFC 5321), for the size headroom of the unsubscribe URL
OUTLIER = 2  # an item costing more than this many times the median item is the one to cut first
PRECISION = 100  # the excerpt length found is within 1/PRECISION of the longest that fits


@dataclass
class Fitted:
    """What fitted: the items shown (newest first), and the bodies rendered from them."""

    shown: list[Rendered]
    html: str
    text: str
    subject: str
    size: WireSize  # the HTML part as sent to the recipient with the longest unsubscribe URL
    length: int  # the excerpt length every item got (an offender may have got less)
    warnings: list[str] = field(default_factory=list)


class _Tries:
    """Renders of the issue for (items shown, excerpt length, an offender's own lengths), each measured once."""

    def __init__(self, config: Config, bodies: Bodies, total: int, subject_of: Callable[[int], str]) -> None:
        self.config, self.bodies, self.total, self.subject_of = config, bodies, total, subject_of
        self._items: dict[tuple[str, int], Item] = {}  # by (path, excerpt length): each cut and counted once

    def item(self, r: Rendered, length: int) -> Item:
        key = (r.post.path, length)
        if key not in self._items:
            self._items[key] = item(self.config, r, length)
        return self._items[key]

    def render(self, shown: list[Rendered], length: int, own: dict[str, int]) -> tuple[str, str, WireSize]:
        items = [self.item(r, min(length, own.get(r.post.path, length))) for r in shown]
        body_html, body_text = self.bodies.render(items, subject=self.subject_of(len(shown)),
                                                  omitted=self.total - len(shown))
        return body_html, body_text, wire_size(worst_case(self.config, body_html))

    def alone(self, one: Item, subject: str) -> int:
        return wire_size(worst_case(self.config, self.bodies.html([one], subject=subject))).encoded


def fit(config: Config, bodies: Bodies, week: str, posts: list[Rendered], total: int,
        subject_of: Callable[[int], str]) -> Fitted:
    """*posts* (newest first, at most ``digest.max_items``) rendered to fit under :data:`SIZE_LIMIT`.

    *total* is how many posts the week has (the rest are "more on the site");
    *subject_of* gives the subject for a number of items shown.
    """
    tries = _Tries(config, bodies, total, subject_of)
    shown = list(posts)
    length = config.digest.excerpt_length
    own: dict[str, int] = {}  # a shortened offender's excerpt length, by post path
    costs: dict[tuple[str, int], int] = {}  # bytes of HTML with one item alone, by (path, excerpt length)
    warnings: list[str] = []
    body_html, body_text, size = tries.render(shown, length, own)
    while size.encoded > SIZE_LIMIT and len(shown) > 1:  # 1. the offender first
        found = _offender(tries, shown, length, own, subject_of(len(shown)), size.encoded, costs)
        if found is None:
            break
        index, cost, median = found
        path = shown[index].post.path
        current = min(length, own.get(path, length))
        if current > MIN_EXCERPT:  # shorten its excerpt toward what the others cost, by a third at least
            target = max(cost - (size.encoded - SIZE_LIMIT), OUTLIER * median)
            own[path] = max(MIN_EXCERPT, min(current * 2 // 3, current * target // cost))
        else:
            warnings.append(f"{week}: {path} left out: it alone takes {cost:,} bytes of HTML even with "
                            f"its excerpt cut to {current} characters (the others take about {median:,}); "
                            f"Gmail clips messages over {GMAIL_CLIP // 1000} KB")
            del shown[index]
        body_html, body_text, size = tries.render(shown, length, own)
    if size.encoded > SIZE_LIMIT:  # 2. everyone alike: the longest excerpt that fits
        length, (body_html, body_text, size) = _longest(tries, shown, length, own, size)
    if size.encoded > SIZE_LIMIT and len(shown) > 1:  # then as many of the newest items as fit
        shown, (body_html, body_text, size) = _most(tries, shown, length, own)
    if size.encoded > SIZE_LIMIT:
        warnings.append(f"{week}: the HTML is {size.encoded:,} bytes as sent even with one post; Gmail clips "
                        f"above {size.clip:,}")
    for r in shown:
        if own.get(r.post.path, length) < length:
            warnings.append(f"{week}: {r.post.path}: excerpt cut to {own[r.post.path]} characters, where the "
                            f"others have {length}: its HTML is much larger than theirs")
    return Fitted(shown, body_html, body_text, subject_of(len(shown)), size, length, warnings)


def _longest(tries: _Tries, shown: list[Rendered], length: int, own: dict[str, int],
             over: WireSize) -> tuple[int, tuple[str, str, WireSize]]:
    """The longest excerpt length (≥ :data:`MIN_EXCERPT`) under the limit, within 1 %, and its render.

    Size grows with the length, nearly in proportion: each try aims where the
    line through the last two measures crosses the limit, and bisection keeps
    it inside the bracket, so a few renders suffice.
    """
    lo, hi = MIN_EXCERPT, length  # lo: not yet known to fit; hi: known not to fit
    hi_size = over.encoded
    best = tries.render(shown, lo, own)
    if best[2].encoded > SIZE_LIMIT:
        return lo, best
    lo_size = best[2].encoded
    while hi - lo > max(1, hi // PRECISION):
        guess = lo + (hi - lo) * (SIZE_LIMIT - lo_size) // max(1, hi_size - lo_size)
        guess = min(max(guess, lo + 1, lo + (hi - lo) // 8), hi - 1, hi - (hi - lo) // 8)
        tried = tries.render(shown, guess, own)
        if tried[2].encoded <= SIZE_LIMIT:
            lo, lo_size, best = guess, tried[2].encoded, tried
        else:
            hi, hi_size = guess, tried[2].encoded
    return lo, best


def _most(tries: _Tries, shown: list[Rendered], length: int,
          own: dict[str, int]) -> tuple[list[Rendered], tuple[str, str, WireSize]]:
    """The most newest items (at least one) that fit at *length*, by bisection, and their render."""
    lo, hi = 1, len(shown)  # lo: the fewest we show; hi: known not to fit
    best = tries.render(shown[:lo], length, own)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        tried = tries.render(shown[:mid], length, own)
        if tried[2].encoded <= SIZE_LIMIT:
            lo, best = mid, tried
        else:
            hi = mid
    return shown[:lo], best


def _offender(tries: _Tries, shown: list[Rendered], length: int, own: dict[str, int], subject: str,
              whole: int, costs: dict[tuple[str, int], int]) -> tuple[int, int, int] | None:
    """(index, bytes, median bytes) of the item that costs over :data:`OUTLIER` times the median; None if none.

    An item's cost is the issue with that item alone less the frame around the
    items, the frame being what the one-item issues have in common with the
    whole (*whole* bytes): n one-item issues hold n frames, the whole one.
    """
    alone = []
    for r in shown:
        n = min(length, own.get(r.post.path, length))
        key = (r.post.path, n)
        if key not in costs:
            costs[key] = tries.alone(tries.item(r, n), subject)
        alone.append(costs[key])
    frame = max(0, (sum(alone) - whole) // (len(alone) - 1))
    mine = [max(1, cost - frame) for cost in alone]
    median = int(statistics.median(mine))
    index = max(range(len(mine)), key=mine.__getitem__)
    return (index, mine[index], median) if mine[index] > OUTLIER * median else None


def worst_case(config: Config, body: str) -> str:
    """*body* as the recipient with the longest possible unsubscribe URL gets it (every address character
    URL-encoded), which is the copy that must fit."""
    if config.digest.unsubscribe_url is None:
        return body
    longest = config.digest.unsubscribe_url.replace("{email}", "%2B" * MAX_ADDRESS)
    return body.replace(UNSUBSCRIBE_TOKEN, html.escape(longest))
