"""Jekyll's Liquid filters, on top of the standard ones python-liquid has.

Each behaves as Jekyll 4's does on the values posts pass them (documented at
jekyllrb.com/docs/liquid/filters/); dates are shown in the site's timezone, and
nothing reads the clock or chooses at random (``sample`` gives the first item),
so the same post renders to the same bytes.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from io import StringIO
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

from liquid.builtin.expressions import BooleanExpression, tokenize
from liquid.context import RenderContext
from liquid.exceptions import FilterArgumentError
from liquid.filter import with_context
from liquid.stream import TokenStream
from liquid.token import TOKEN_EXPRESSION, Token
from liquid.undefined import Undefined

from feeder.dates import parse_date

if TYPE_CHECKING:
    from liquid import Environment

    from feeder.posts.liquid import LiquidSite

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_URI_SAFE = "!#$&'()*+,/:;=?@[]~%-._"
_TAG = re.compile(r"<[^<>]*>")
_SLUG_DEFAULT = re.compile(r"[\W_]+")  # slugify's modes: what becomes a hyphen
_SLUG_RAW = re.compile(r"\s+")
_SLUG_PRETTY = re.compile(r"[^\w._~!$&'()+,;=@]+|_+")
_SLUG_ASCII = re.compile(r"[^A-Za-z0-9]+")


def register_filters(env: Environment) -> None:
    site: LiquidSite = env.feeder_site  # type: ignore[attr-defined]
    filters: dict[str, Callable[..., Any]] = {
        "relative_url": lambda value: relative_url(site, value),
        "absolute_url": lambda value: absolute_url(site, value),
        "date_to_xmlschema": lambda value: _date(site, value).isoformat(),
        "date_to_rfc822": lambda value: _rfc822(_date(site, value)),
        "date_to_string": lambda value, kind=None, style=None: _date_string(_date(site, value), "%b", kind, style),
        "date_to_long_string": lambda value, kind=None, style=None: _date_string(_date(site, value), "%B", kind,
                                                                                  style),
        "slugify": slugify,
        "markdownify": lambda value: site.markdownify(_text(value)) if site.markdownify else _text(value),
        "jsonify": jsonify,
        "xml_escape": lambda value: html.escape(_text(value)).replace("&#x27;", "&#39;"),
        "cgi_escape": lambda value: quote_plus(_text(value), safe="*"),
        "uri_escape": lambda value: quote(_text(value), safe=_URI_SAFE),
        "where": where,
        "where_exp": where_exp,
        "find_exp": find_exp,
        "sort": sort,
        "group_by": group_by,
        "group_by_exp": group_by_exp,
        "number_of_words": number_of_words,
        "array_to_sentence_string": array_to_sentence_string,
        "normalize_whitespace": lambda value: " ".join(_text(value).split()),
        "smartify": smartify,
        "strip_html": lambda value: _TAG.sub("", _text(value)),
        "inspect": lambda value: json.dumps(_plain(value), ensure_ascii=False),
        "to_integer": _integer,
        "push": lambda value, item: [*_items(value), item],
        "pop": lambda value, count=1: _items(value)[:-int(count)] if int(count) else _items(value),
        "shift": lambda value, count=1: _items(value)[int(count):],
        "unshift": lambda value, item: [item, *_items(value)],
        "sample": lambda value, count=None: _items(value)[: int(count)] if count else next(iter(_items(value)), None),
    }
    for name, function in filters.items():
        env.add_filter(name, function)


def _text(value: object) -> str:
    return "" if value is None or isinstance(value, Undefined) else str(value)


def _items(value: object) -> list[Any]:
    if value is None or isinstance(value, (Undefined, str)):
        return [] if not value else [value]
    if isinstance(value, Mapping):
        return list(value.values())
    return list(value) if isinstance(value, Iterable) else [value]


def relative_url(site: LiquidSite, value: object) -> str:
    """*value* under the site's baseurl, as Jekyll's filter: left as it is when it is a full URL."""
    text = _text(value)
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", text) or text.startswith("//"):
        return text
    joined = "/" + "/".join(part for part in (site.baseurl.strip("/"), text.lstrip("/")) if part)
    if text.endswith("/") and not joined.endswith("/"):
        joined += "/"
    return quote(joined, safe=_URI_SAFE)


def absolute_url(site: LiquidSite, value: object) -> str:
    text = _text(value)
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", text):
        return text
    return site.url + relative_url(site, value)


def _date(site: LiquidSite, value: object) -> datetime:
    if isinstance(value, Undefined) or value is None or value == "":
        raise FilterArgumentError("expected a date, got nothing", token=None)
    try:
        return parse_date(value if isinstance(value, (datetime, date)) else str(value), site.timezone).astimezone(
            site.timezone)
    except ValueError as exc:
        raise FilterArgumentError(str(exc), token=None) from None


def _rfc822(moment: datetime) -> str:
    offset = moment.strftime("%z") or "+0000"
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1][:3]} {moment.year} "
            f"{moment:%H:%M:%S} {offset}")


def _date_string(moment: datetime, month: str, kind: object, style: object) -> str:
    name = _MONTHS[moment.month - 1] if month == "%B" else _MONTHS[moment.month - 1][:3]
    if kind != "ordinal":
        return f"{moment.day:02d} {name} {moment.year}"
    day = moment.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    if style == "US":
        return f"{name} {day}{suffix}, {moment.year}"
    return f"{day}{suffix} {name} {moment.year}"


def slugify(value: object, mode: object = "default", cased: object = False) -> str:
    """Jekyll's slugify: modes none, raw, default, pretty, ascii, latin."""
    text = _text(value)
    mode = mode if isinstance(mode, str) else "default"
    if mode == "none":
        return text
    if mode == "latin":
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    pattern = {"raw": _SLUG_RAW, "pretty": _SLUG_PRETTY, "ascii": _SLUG_ASCII, "latin": _SLUG_ASCII}.get(
        mode, _SLUG_DEFAULT)
    slug = pattern.sub("-", text).strip("-")
    return slug if cased is True else slug.lower()


def jsonify(value: object) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"))


def _plain(value: object) -> Any:
    """*value* as JSON can hold it: dates as Jekyll's to_json writes them, undefined as null."""
    if isinstance(value, Undefined) or value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _property(item: object, name: str) -> Any:
    """*item*'s property *name* (dotted names reach inside, as Jekyll 4.1)."""
    for part in name.split("."):
        if isinstance(item, Mapping):
            item = item.get(part)
        else:
            return None
    return item


def where(value: object, name: object, target: object = None) -> list[Any]:
    """Items whose property equals *target* as text, or holds it when the property is a list (Jekyll's where)."""
    items = _items(value)
    if not name or isinstance(target, (list, dict)):
        return items
    wanted = "" if isinstance(target, Undefined) or target is None else str(target)
    out = []
    for item in items:
        found = _property(item, str(name))
        values = found if isinstance(found, list) else ([] if found is None else [found])
        if wanted in (str(v).lower() if isinstance(v, bool) else str(v) for v in values):
            out.append(item)
    return out


def _condition(context: RenderContext, expression: str) -> BooleanExpression:
    token = Token(TOKEN_EXPRESSION, expression, 0, expression)
    return BooleanExpression.parse(context.env, TokenStream(tokenize(expression, token)))


@with_context
def where_exp(value: object, variable: object, expression: object, *, context: RenderContext) -> list[Any]:
    condition = _condition(context, str(expression))
    out = []
    for item in _items(value):
        with context.extend({str(variable): item}):
            if condition.evaluate(context):
                out.append(item)
    return out


@with_context
def find_exp(value: object, variable: object, expression: object, *, context: RenderContext) -> Any:
    found = where_exp(value, variable, expression, context=context)
    return found[0] if found else None


def sort(value: object, name: object = None, nils: object = "first") -> list[Any]:
    """Sorted (by property *name*), items without it first or last as *nils* says (Jekyll's sort)."""
    items = _items(value)
    if name is None or isinstance(name, Undefined):
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=str)
    keyed = [(_property(item, str(name)), item) for item in items]
    present = [pair for pair in keyed if pair[0] is not None]
    missing = [item for key, item in keyed if key is None]
    try:
        ordered = [item for _key, item in sorted(present, key=lambda pair: pair[0])]
    except TypeError:
        ordered = [item for _key, item in sorted(present, key=lambda pair: str(pair[0]))]
    return missing + ordered if nils != "last" else ordered + missing


def _groups(items: list[Any], key: Callable[[Any], object]) -> list[dict[str, Any]]:
    groups: dict[str, list[Any]] = {}
    for item in items:
        found = key(item)
        groups.setdefault("" if found is None or isinstance(found, Undefined) else str(found), []).append(item)
    return [{"name": name, "items": members, "size": len(members)} for name, members in groups.items()]


def group_by(value: object, name: object) -> list[dict[str, Any]]:
    return _groups(_items(value), lambda item: _property(item, str(name)))


@with_context
def group_by_exp(value: object, variable: object, expression: object, *, context: RenderContext) -> list[Any]:
    template = context.env.from_string("{{ " + str(expression) + " }}")

    def key(item: Any) -> str:
        with context.extend({str(variable): item}):
            return _render_nodes(template.nodes, context)

    return _groups(_items(value), key)


def _render_nodes(nodes: Iterable[Any], context: RenderContext) -> str:
    buf = StringIO()
    for node in nodes:
        node.render(context, buf)
    return buf.getvalue()


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def number_of_words(value: object, mode: object = None) -> int:
    text = _text(value)
    if mode == "cjk" or (mode == "auto" and _CJK.search(text)):
        return len(_CJK.findall(text)) + len(_CJK.sub(" ", text).split())
    return len(text.split())


def array_to_sentence_string(value: object, connector: object = "and") -> str:
    items = [_text(item) for item in _items(value)]
    if len(items) <= 1:
        return items[0] if items else ""
    if len(items) == 2:
        return f"{items[0]} {connector} {items[1]}"
    return f"{', '.join(items[:-1])}, {connector} {items[-1]}"


def smartify(value: object) -> str:
    """SmartyPants as Jekyll's smartify: curly quotes, en and em dashes, ellipses."""
    text = _text(value).replace("---", "\u2014").replace("--", "\u2013").replace("...", "\u2026")
    text = re.sub(r'(^|[\s(\[{\u2014\u2013-])"', "\\1\u201c", text)
    text = text.replace('"', "\u201d")
    text = re.sub(r"(^|[\s(\[{\u2014\u2013-])'", "\\1\u2018", text)
    return text.replace("'", "\u2019")


def _integer(value: object) -> int:
    try:
        return int(float(_text(value))) if not isinstance(value, (int, float)) else int(value)
    except ValueError:
        raise FilterArgumentError(f"to_integer: {_text(value)!r} is not a number", token=None) from None
