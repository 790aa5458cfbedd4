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
           "about": "What is a feed?", "about_url": "https://aboutfeeds.com/",
           # feeder serve's pages and the confirmation email
           "check_inbox": "Check your inbox",
           "check_inbox_text": "To finish subscribing to {site}, open the email we sent to {address} and follow its "
                               "link. If it has not arrived in a few minutes, look in your spam folder. "
                               "If this address is already subscribed, there is nothing more to do.",
           "confirm_title": "Confirm your subscription", "confirm_button": "Yes, subscribe me",
           "confirm_text": "Press the button to receive the weekly digest of {site} at {address}.",
           "confirmed_title": "You are subscribed",
           "confirmed_text": "Thank you. The weekly digest of {site} will come to {address}.",
           "leave_title": "Unsubscribe", "leave_button": "Unsubscribe",
           "leave_text": "Press the button to stop receiving the weekly digest of {site} at {address}.",
           "left_title": "You are unsubscribed",
           "left_text": "{address} will receive no more emails from {site}.",
           "rejoin_text": "Unsubscribed by mistake?", "rejoin_button": "Subscribe again",
           "bad_link_title": "This link does not work",
           "bad_link_text": "It may be cut short (copy the whole address from the email) or too old. "
                            "You can subscribe again from {site}.",
           "gone_title": "Nothing to do",
           "gone_text": "There is no subscription for this link any more: its data may have been erased on request.",
           "bad_address_title": "Check the address",
           "bad_address_text": "{address} does not look like an email address. Go back and correct it.",
           "busy_title": "Too many requests", "busy_text": "Please wait a few minutes, then try again.",
           "mail_failed_title": "The email could not be sent",
           "mail_failed_text": "Something went wrong on our side while sending the confirmation email. "
                               "Please try again in a few minutes.",
           "unavailable_title": "Please try again later",
           "unavailable_text": "Something went wrong on our side. Please try again in a few minutes.",
           "not_found_title": "Page not found", "not_found_text": "There is nothing at this address.",
           "back": "Back to {site}",
           "confirm_subject": "Confirm your subscription to {site}",
           "confirm_intro": "Someone, probably you, asked to receive the weekly digest of {site} at this address.",
           "confirm_action": "Confirm your subscription",
           "confirm_expiry": "The link works for {days} days.",
           "confirm_ignore": "If it was not you, ignore this email: you will not be subscribed, "
                             "and we will not write again.",
           "consent": "Send me the weekly digest of {site} by email. I can unsubscribe at any time."},
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
           "about": "フィードとは？", "about_url": "https://aboutfeeds.com/",
           # feeder serve's pages and the confirmation email
           "check_inbox": "メールをご確認ください",
           "check_inbox_text": "{site}の登録を完了するには、{address} 宛てにお送りしたメールを開き、"
                               "リンクをクリックしてください。数分たっても届かない場合は迷惑メールフォルダもご確認ください。"
                               "すでに登録済みのアドレスでしたら、これ以上の操作は不要です。",
           "confirm_title": "登録の確認", "confirm_button": "登録する",
           "confirm_text": "ボタンを押すと、{site}の週刊ダイジェストが {address} に届くようになります。",
           "confirmed_title": "登録が完了しました",
           "confirmed_text": "ありがとうございます。{site}の週刊ダイジェストを {address} にお届けします。",
           "leave_title": "配信停止", "leave_button": "配信を停止する",
           "leave_text": "ボタンを押すと、{address} への{site}の週刊ダイジェストの配信を停止します。",
           "left_title": "配信を停止しました",
           "left_text": "{address} には今後{site}からメールをお送りしません。",
           "rejoin_text": "間違えて停止しましたか？", "rejoin_button": "もう一度登録する",
           "bad_link_title": "このリンクは使えません",
           "bad_link_text": "リンクが途中で切れているか（メールのアドレスを最後までコピーしてください）、"
                            "有効期限が切れています。{site}からもう一度登録できます。",
           "gone_title": "該当する登録はありません",
           "gone_text": "このリンクの登録はもうありません。ご依頼によりデータが削除された可能性があります。",
           "bad_address_title": "アドレスをご確認ください",
           "bad_address_text": "{address} はメールアドレスとして正しくないようです。"
                                "前のページに戻って修正してください。",
           "busy_title": "リクエストが多すぎます", "busy_text": "数分待ってから、もう一度お試しください。",
           "mail_failed_title": "メールを送信できませんでした",
           "mail_failed_text": "確認メールの送信中にこちら側で問題が起きました。数分後にもう一度お試しください。",
           "unavailable_title": "しばらくしてからお試しください",
           "unavailable_text": "こちら側で問題が起きました。数分後にもう一度お試しください。",
           "not_found_title": "ページが見つかりません", "not_found_text": "このアドレスには何もありません。",
           "back": "{site}に戻る",
           "confirm_subject": "{site}のメール配信登録の確認",
           "confirm_intro": "このアドレスで{site}の週刊ダイジェストを受け取る登録のお申し込みがありました。",
           "confirm_action": "登録を確認する",
           "confirm_expiry": "このリンクの有効期限は{days}日間です。",
           "confirm_ignore": "お心当たりがない場合は、このメールを無視してください。"
                             "登録はされず、今後メールをお送りすることもありません。",
           "consent": "{site}の週刊ダイジェストをメールで受け取ります。配信はいつでも停止できます。"},
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
           "about": "什么是订阅源？", "about_url": "https://aboutfeeds.com/",
           # feeder serve's pages and the confirmation email
           "check_inbox": "请查收邮件",
           "check_inbox_text": "要完成{site}的订阅，请打开我们发送到 {address} 的邮件并点击其中的链接。"
                               "如果几分钟后仍未收到，请检查垃圾邮件文件夹。如果该地址已经订阅，则无需其他操作。",
           "confirm_title": "确认订阅", "confirm_button": "确认订阅",
           "confirm_text": "点击按钮后，{site}的每周精选将发送到 {address}。",
           "confirmed_title": "订阅成功",
           "confirmed_text": "谢谢。{site}的每周精选将发送到 {address}。",
           "leave_title": "退订", "leave_button": "退订",
           "leave_text": "点击按钮后，{address} 将不再收到{site}的每周精选。",
           "left_title": "已退订",
           "left_text": "{address} 将不再收到{site}的邮件。",
           "rejoin_text": "误点了退订？", "rejoin_button": "重新订阅",
           "bad_link_title": "此链接无效",
           "bad_link_text": "链接可能不完整（请从邮件中复制完整地址）或已过期。您可以在{site}重新订阅。",
           "gone_title": "没有对应的订阅",
           "gone_text": "此链接对应的订阅已不存在，相关数据可能已应要求删除。",
           "bad_address_title": "请检查地址",
           "bad_address_text": "{address} 看起来不是有效的邮箱地址。请返回修改。",
           "busy_title": "请求过多", "busy_text": "请等待几分钟后再试。",
           "mail_failed_title": "邮件发送失败",
           "mail_failed_text": "发送确认邮件时我们这边出了问题，请几分钟后再试。",
           "unavailable_title": "请稍后再试",
           "unavailable_text": "我们这边出了问题，请几分钟后再试。",
           "not_found_title": "找不到页面", "not_found_text": "此地址没有内容。",
           "back": "返回{site}",
           "confirm_subject": "请确认订阅{site}",
           "confirm_intro": "有人（可能是您）申请用此地址接收{site}的每周精选。",
           "confirm_action": "确认订阅",
           "confirm_expiry": "此链接{days}天内有效。",
           "confirm_ignore": "如果不是您本人操作，请忽略此邮件：您不会被订阅，我们也不会再来信。",
           "consent": "我希望通过邮件接收{site}的每周精选，并可随时退订。"},
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
           "about": "피드란?", "about_url": "https://aboutfeeds.com/",
           # feeder serve's pages and the confirmation email
           "check_inbox": "메일함을 확인해 주세요",
           "check_inbox_text": "{site} 구독을 마치려면 {address}(으)로 보낸 메일을 열고 링크를 눌러 주세요. "
                               "몇 분이 지나도 오지 않으면 스팸함도 확인해 주세요. "
                               "이미 구독 중인 주소라면 더 할 일은 없습니다.",
           "confirm_title": "구독 확인", "confirm_button": "구독하기",
           "confirm_text": "버튼을 누르면 {site} 주간 다이제스트가 {address}(으)로 발송됩니다.",
           "confirmed_title": "구독이 완료되었습니다",
           "confirmed_text": "감사합니다. {site} 주간 다이제스트를 {address}(으)로 보내 드립니다.",
           "leave_title": "수신 거부", "leave_button": "수신 거부",
           "leave_text": "버튼을 누르면 {address}(으)로 가는 {site} 주간 다이제스트 발송이 중단됩니다.",
           "left_title": "수신 거부되었습니다",
           "left_text": "{address}(으)로 더 이상 {site}의 메일을 보내지 않습니다.",
           "rejoin_text": "실수로 수신 거부하셨나요?", "rejoin_button": "다시 구독하기",
           "bad_link_title": "이 링크는 사용할 수 없습니다",
           "bad_link_text": "링크가 잘렸거나(메일의 주소 전체를 복사해 주세요) 기한이 지났습니다. "
                            "{site}에서 다시 구독할 수 있습니다.",
           "gone_title": "해당하는 구독이 없습니다",
           "gone_text": "이 링크의 구독은 더 이상 없습니다. 요청에 따라 데이터가 삭제되었을 수 있습니다.",
           "bad_address_title": "주소를 확인해 주세요",
           "bad_address_text": "{address}은(는) 올바른 이메일 주소가 아닌 것 같습니다. 돌아가서 고쳐 주세요.",
           "busy_title": "요청이 너무 많습니다", "busy_text": "몇 분 뒤에 다시 시도해 주세요.",
           "mail_failed_title": "메일을 보내지 못했습니다",
           "mail_failed_text": "확인 메일을 보내는 중 문제가 생겼습니다. 몇 분 뒤에 다시 시도해 주세요.",
           "unavailable_title": "잠시 후 다시 시도해 주세요",
           "unavailable_text": "문제가 생겼습니다. 몇 분 뒤에 다시 시도해 주세요.",
           "not_found_title": "페이지를 찾을 수 없습니다", "not_found_text": "이 주소에는 아무것도 없습니다.",
           "back": "{site}(으)로 돌아가기",
           "confirm_subject": "{site} 구독 확인",
           "confirm_intro": "이 주소로 {site} 주간 다이제스트를 받겠다는 신청이 있었습니다.",
           "confirm_action": "구독 확인하기",
           "confirm_expiry": "이 링크는 {days}일 동안 유효합니다.",
           "confirm_ignore": "본인이 신청하지 않았다면 이 메일을 무시해 주세요. "
                             "구독되지 않으며 다시 메일을 보내지 않습니다.",
           "consent": "{site} 주간 다이제스트를 메일로 받겠습니다. 언제든지 수신 거부할 수 있습니다."},
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
