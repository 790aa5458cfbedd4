"""The browser view of a feed: an XSLT stylesheet, and the instruction that points a feed at it.

A person who clicks a feed link sees raw XML, or a download prompt, and
concludes the site is broken.  With ``feeds.stylesheet`` on, every RSS and Atom
document carries ``<?xml-stylesheet type="text/xsl" href="…"?>`` right after the
XML declaration; browsers that run XSLT show a page explaining what a feed is
and listing the posts, while feed readers ignore the instruction and read the
same XML as before.  The href is relative to each feed, so the view works on
any host and from a folder of files.  The stylesheet's words follow the
site's language (English, Japanese, Chinese, Korean; English otherwise).
"""

from __future__ import annotations

from importlib.resources import files

from feeder.config import Config
from feeder.i18n import primary

_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"

WORDS = {
    "en": {"badge": "Web feed", "heading": "This is a web feed",
           "explain": "Subscribe by copying the address below into a feed reader (NetNewsWire, Feedly, Inoreader, "
                      "Miniflux, Thunderbird…): new posts then come to you, with no account and no tracking.",
           "address": "Feed address", "visit": "Visit the website", "recent": "Posts in this feed",
           "archive": "This is an archive page: it lists older posts and does not change.",
           "older": "Older posts", "newer": "Newer posts", "current": "Latest posts",
           "about": "What is a feed?", "about_url": "https://aboutfeeds.com/"},
    "ja": {"badge": "フィード", "heading": "これはフィード（RSS / Atom）です",
           "explain": "下のアドレスをフィードリーダー（Feedly、Inoreader、NetNewsWire、Thunderbird など）に登録すると、"
                      "新しい記事が公開されるたびに届きます。アカウント登録も追跡もありません。",
           "address": "フィードのアドレス", "visit": "サイトを見る", "recent": "このフィードの記事",
           "archive": "これはアーカイブページです。過去の記事を掲載しており、内容は変わりません。",
           "older": "過去の記事", "newer": "新しい記事", "current": "最新の記事",
           "about": "フィードとは？", "about_url": "https://aboutfeeds.com/"},
    "zh": {"badge": "订阅源", "heading": "这是一个订阅源（RSS / Atom）",
           "explain": "把下面的地址添加到阅读器（Feedly、Inoreader、NetNewsWire、Thunderbird 等），"
                      "新文章发布时就会送到您手中。",
           "address": "订阅地址", "visit": "访问网站", "recent": "本订阅源的文章",
           "archive": "这是存档页，列出较早的文章，内容不会改变。",
           "older": "更早的文章", "newer": "较新的文章", "current": "最新文章",
           "about": "什么是订阅源？", "about_url": "https://aboutfeeds.com/"},
    "ko": {"badge": "피드", "heading": "이 페이지는 웹 피드(RSS / Atom)입니다",
           "explain": "아래 주소를 피드 리더(Feedly, Inoreader, NetNewsWire, Thunderbird 등)에 등록하면 "
                      "새 글이 올라올 때마다 받아볼 수 있습니다.",
           "address": "피드 주소", "visit": "웹사이트 방문", "recent": "이 피드의 글",
           "archive": "보관 페이지입니다. 예전 글을 담고 있으며 바뀌지 않습니다.",
           "older": "이전 글", "newer": "최근 글", "current": "최신 글",
           "about": "피드란?", "about_url": "https://aboutfeeds.com/"},
}


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
    words = WORDS.get(primary(config.site.language), WORDS["en"])
    return env.from_string(source).render(words=words, language=config.site.language).encode("utf-8")
