"""What a feed document says about itself, and the one way to name a published file's URL."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from feeder.config import Config


class Kind(StrEnum):
    """What an output file is: decides how its bytes are built."""

    RSS = "rss"
    ATOM = "atom"
    JSON = "json"
    INDEX = "index"  # a JSON list of the tag or category feeds
    XSL = "xsl"  # the stylesheet that makes feeds readable in a browser


FEED_KINDS = (Kind.RSS, Kind.ATOM, Kind.JSON)


@dataclass(frozen=True)
class FeedContext:
    """What a feed document says about itself, beyond its entries."""

    url: str  # its own absolute URL (the self link, the JSON feed_url)
    title: str
    links: tuple[tuple[str, str], ...] = ()  # extra (rel, href): hub, prev-archive, next-archive, current
    archive: bool = False  # an RFC 5005 archive document (fh:archive)
    stylesheet: str | None = None  # href of the XSLT, relative to this file
    hub: str | None = None  # WebSub hub (JSON Feed "hubs")



def file_url(config: Config, path: str) -> str:
    """The absolute URL of a file under output_dir: percent-encoded UTF-8, as browsers send it."""
    return config.site.url + quote(path, safe="/-._~!$&'()*+,;=:@")
