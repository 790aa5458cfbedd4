"""Dates and words in the site's language, for people rather than machines.

Feeds carry RFC 3339 instants; an email is read by a person, who expects
``2025年12月11日`` on a Japanese site and ``11 December 2025`` on an English one,
on the calendar day of the site's timezone.  A handful of languages is covered
by hand (no locale database is needed, and output never depends on the
machine's locale); any other language falls back to ISO 8601, which every
reader can parse.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_RTL = {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku", "ps", "sd", "ug", "ur", "yi"}

# Every word feeder prints for people, per primary language subtag (English when the
# language is missing): the digest templates, the titles of tag, category and archive
# feeds, and the feed stylesheet's page.  One table, so a language is added in one place.
WORDS: dict[str, dict[str, str]] = {
    "en": {"read_more": "Read more", "minutes": "{n} min read", "by": "by {author}",
           "posts": "{n} new posts this week", "post": "1 new post this week",
           "unsubscribe": "Unsubscribe", "web_version": "View in your browser",
           "why": "You are receiving this because you subscribed to {site}.", "week_of": "Weekly digest",
           "more": "{n} more new posts on the site",
           "tag_feed": "{site} — tag: {name}", "category_feed": "{site} — category: {name}",
           "archive_feed": "{site} — archive {n}",
           # the feed stylesheet's page
           "badge": "Web feed", "heading": "This is a web feed",
           "explain": "Subscribe by copying the address below into a feed reader (NetNewsWire, Feedly, Inoreader, "
                      "Miniflux, Thunderbird…): new posts then come to you, with no account and no tracking.",
           "address": "Feed address", "visit": "Visit the website", "recent": "Posts in this feed",
           "archive": "This is an archive page: it lists older posts and does not change.",
           "older": "Older posts", "newer": "Newer posts", "current": "Latest posts",
           "about": "What is a feed?", "about_url": "https://aboutfeeds.com/"},
    "ja": {"read_more": "続きを読む", "minutes": "{n}分で読めます", "by": "{author}",
           "posts": "今週の新着記事 {n}本", "post": "今週の新着記事 1本",
           "unsubscribe": "配信停止", "web_version": "ブラウザで表示",
           "why": "{site}のメール配信に登録された方にお送りしています。", "week_of": "週刊ダイジェスト",
           "more": "ほか{n}本の新着記事はサイトでどうぞ",
           "tag_feed": "{site} — タグ: {name}", "category_feed": "{site} — カテゴリー: {name}",
           "archive_feed": "{site} — アーカイブ {n}",
           # the feed stylesheet's page
           "badge": "フィード", "heading": "これはフィード（RSS / Atom）です",
           "explain": "下のアドレスをフィードリーダー（Feedly、Inoreader、NetNewsWire、Thunderbird など）に登録すると、"
                      "新しい記事が公開されるたびに届きます。アカウント登録も追跡もありません。",
           "address": "フィードのアドレス", "visit": "サイトを見る", "recent": "このフィードの記事",
           "archive": "これはアーカイブページです。過去の記事を掲載しており、内容は変わりません。",
           "older": "過去の記事", "newer": "新しい記事", "current": "最新の記事",
           "about": "フィードとは？", "about_url": "https://aboutfeeds.com/"},
    "zh": {"read_more": "阅读全文", "minutes": "阅读约{n}分钟", "by": "{author}",
           "posts": "本周新文章 {n} 篇", "post": "本周新文章 1 篇",
           "unsubscribe": "退订", "web_version": "在浏览器中查看",
           "why": "您订阅了{site}，因此收到此邮件。", "week_of": "每周精选",
           "more": "另有{n}篇新文章，请访问网站",
           "tag_feed": "{site} — 标签: {name}", "category_feed": "{site} — 分类: {name}",
           "archive_feed": "{site} — 归档 {n}",
           # the feed stylesheet's page
           "badge": "订阅源", "heading": "这是一个订阅源（RSS / Atom）",
           "explain": "把下面的地址添加到阅读器（Feedly、Inoreader、NetNewsWire、Thunderbird 等），"
                      "新文章发布时就会送到您手中。",
           "address": "订阅地址", "visit": "访问网站", "recent": "本订阅源的文章",
           "archive": "这是存档页，列出较早的文章，内容不会改变。",
           "older": "更早的文章", "newer": "较新的文章", "current": "最新文章",
           "about": "什么是订阅源？", "about_url": "https://aboutfeeds.com/"},
    "ko": {"read_more": "더 읽기", "minutes": "{n}분 분량", "by": "{author}",
           "posts": "이번 주 새 글 {n}편", "post": "이번 주 새 글 1편",
           "unsubscribe": "수신 거부", "web_version": "브라우저에서 보기",
           "why": "{site} 뉴스레터를 구독하셔서 이 메일을 받으셨습니다.", "week_of": "주간 다이제스트",
           "more": "사이트에서 새 글 {n}편을 더 볼 수 있습니다",
           "tag_feed": "{site} — 태그: {name}", "category_feed": "{site} — 카테고리: {name}",
           "archive_feed": "{site} — 보관함 {n}",
           # the feed stylesheet's page
           "badge": "피드", "heading": "이 페이지는 웹 피드(RSS / Atom)입니다",
           "explain": "아래 주소를 피드 리더(Feedly, Inoreader, NetNewsWire, Thunderbird 등)에 등록하면 "
                      "새 글이 올라올 때마다 받아볼 수 있습니다.",
           "address": "피드 주소", "visit": "웹사이트 방문", "recent": "이 피드의 글",
           "archive": "보관 페이지입니다. 예전 글을 담고 있으며 바뀌지 않습니다.",
           "older": "이전 글", "newer": "최근 글", "current": "최신 글",
           "about": "피드란?", "about_url": "https://aboutfeeds.com/"},
}


def primary(language: str) -> str:
    """``ja`` for ``ja-JP``: the part that decides words, date order and direction."""
    return language.split("-", 1)[0].lower()


def direction(language: str) -> str:
    """``rtl`` for right-to-left scripts, else ``ltr``; goes on ``<html dir>``."""
    return "rtl" if primary(language) in _RTL else "ltr"


def words(language: str) -> dict[str, str]:
    """The :data:`WORDS` of *language*; English for a language not in the table."""
    return WORDS.get(primary(language), WORDS["en"])


def format_date(value: datetime | date, language: str, tz: tzinfo | None = None) -> str:
    """*value* as a reader of *language* writes a day; datetimes are first moved into *tz*."""
    day = value.astimezone(tz).date() if isinstance(value, datetime) and tz is not None else (
        value.date() if isinstance(value, datetime) else value)
    lang = primary(language)
    if lang in ("ja", "zh"):
        return f"{day.year}年{day.month}月{day.day}日"
    if lang == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    if lang == "en":
        if language.lower() in ("en-us", "en-ca", "en-ph"):
            return f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}"
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return day.isoformat()
