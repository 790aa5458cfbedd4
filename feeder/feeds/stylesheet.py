"""The browser view of a feed: an XSLT stylesheet, and the instruction that points a feed at it.

A person who clicks a feed link sees raw XML, or a download prompt, and
concludes the site is broken.  With ``feeds.stylesheet`` on, every RSS and Atom
document carries ``<?xml-stylesheet type="text/xsl" href="…"?>`` right after the
XML declaration; browsers that run XSLT show a page explaining what a feed is
and listing the posts, while feed readers ignore the instruction and read the
same XML as before.  The href is relative to each feed, so the view works on
any host and from a folder of files.  The stylesheet's words follow the
site's language, from :data:`feeder.i18n.WORDS` like every other word feeder prints.
"""

from __future__ import annotations

from importlib.resources import files

from feeder.config import Config
from feeder.i18n import words

_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"


def with_stylesheet(xml: bytes, href: str | None) -> bytes:
    """*xml* with an xml-stylesheet instruction after its declaration (unchanged when *href* is None)."""
    if href is None:
        return xml
    if not xml.startswith(_DECLARATION):
        raise ValueError("feed document does not start with the expected XML declaration")
    instruction = f'<?xml-stylesheet type="text/xsl" href="{href}"?>\n'.encode()
    return _DECLARATION + instruction + xml[len(_DECLARATION):]


def build_stylesheet(config: Config) -> bytes:
    """The XSLT file, with the site's language's words."""
    from jinja2 import Environment

    source = files("feeder").joinpath("templates/feed.xsl").read_text(encoding="utf-8")
    env = Environment(autoescape=True, keep_trailing_newline=True)
    return env.from_string(source).render(words=words(config.site.language),
                                          language=config.site.language).encode("utf-8")
