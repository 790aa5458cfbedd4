"""A Jekyll site's own settings: ``_config.yml`` and ``_data/``, read once into a frozen :class:`JekyllSite`.

With ``jekyll: PATH`` in ``config.yaml`` feeder takes what the site already says
(its address, title, timezone, permalink style, front-matter defaults, excerpt
separator, kramdown options) so that a Jekyll user needs a four-line config.
:func:`read_jekyll` reads the folder; :func:`config_defaults` turns what it found
into the ``config.yaml`` keys it stands for, which the user's own keys override.

Every problem is collected, each as ``PATH:LINE: key: what is wrong``, and
returned with the site rather than raised, so the config reader reports them
with its own in one :class:`~feeder.errors.ConfigError`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from feeder import yamlload
from feeder.jekyll_data import FrozenMap, freeze, read_data

CONFIG_FILE = "_config.yml"
STYLES = {  # Jekyll 4.3's permalink styles (Configuration::STYLE_TO_PERMALINK)
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}
# Folders Jekyll never reads (Configuration::DEFAULT_EXCLUDES), besides those starting with "." or "_".
DEFAULT_EXCLUDES = ("gemfiles", "node_modules", "vendor/bundle", "vendor/cache", "vendor/gems", "vendor/ruby")
MARKDOWN_EXT = ("markdown", "mkdown", "mkdn", "mkd", "md")  # Jekyll's markdown_ext default
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class Kramdown:
    """The kramdown options of ``_config.yml`` that change the HTML (Jekyll 4's defaults)."""

    input: str = "GFM"  # "GFM" (GitHub ids, GFM quirks) or "kramdown"
    auto_ids: bool = True
    auto_id_prefix: str = ""
    auto_id_stripping: bool = False
    transliterated_header_ids: bool = False
    smart_quotes: str = "lsquo,rsquo,ldquo,rdquo"  # four entity names or numbers, as kramdown takes them
    typographic_symbols: FrozenMap = field(default_factory=FrozenMap)  # e.g. {hellip: "..."}
    entity_output: str = "as_char"
    hard_wrap: bool = False
    gfm_quirks: tuple[str, ...] = ("paragraph_end",)  # "no_auto_typographic" turns off -- --- ...
    toc_levels: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    footnote_nr: int = 1
    footnote_backlink: str = "&#8617;"
    parse_block_html: bool = False
    parse_span_html: bool = True
    syntax_highlighter: str | None = "rouge"
    math_engine: str | None = "mathjax"
    options: FrozenMap = field(default_factory=FrozenMap)  # every kramdown option as written, for the rest


@dataclass(frozen=True)
class Default:
    """One entry of ``defaults:``: front matter *values* for the files its scope names."""

    path: str  # "" for every file; may hold "*" globs; relative to the site root
    type: str | None  # "posts", "pages", "drafts" or a collection; None for any
    values: FrozenMap


@dataclass(frozen=True)
class JekyllSite:
    """What feeder takes from a Jekyll site, read once; nothing here is a raw dict to be changed.

    *site_vars* is Liquid's ``site``: ``_config.yml`` over Jekyll's defaults, with
    ``config.yaml``'s overrides (title, url, baseurl, description, lang, timezone,
    author) and ``data`` (``_data/``) filled in.
    """

    root: Path  # the folder of _config.yml
    config_file: Path
    site_vars: FrozenMap
    data: FrozenMap  # site.data: _data/*.yml|yaml|json|csv|tsv, folders as nested maps
    includes_dir: Path  # _includes/ (or includes_dir)
    layouts_dir: Path
    excerpt_separator: str  # "\n\n" by default: the first paragraph
    permalink: str  # the posts' permalink template, styles expanded (":output_ext" kept)
    defaults: tuple[Default, ...]
    kramdown: Kramdown
    future: bool  # publish posts dated after now (Jekyll's future: true)
    show_drafts: bool
    exclude: tuple[str, ...]  # paths Jekyll does not read (with its defaults)
    markdown_ext: tuple[str, ...]  # post file extensions Jekyll reads as Markdown, without the dot
    # A digest of every file under includes_dir (relative path, size, mtime): the config's fingerprint, and so
    # the render cache and the outputs' fingerprints, change when an include does.
    includes_signature: str = ""


def read_jekyll(root: Path) -> tuple[JekyllSite | None, dict[str, Any], list[str]]:
    """The site at *root*, the config.yaml keys it stands for, and every problem found (None if unreadable)."""
    path = root / CONFIG_FILE
    problems: list[str] = []
    if not root.is_dir():
        return None, {}, [f"jekyll: {root} is not a folder; point it at the folder that holds {CONFIG_FILE}"]
    raw, text = _load(path, problems)
    if raw is None:
        return None, {}, problems

    def fail(key: str, message: str) -> None:
        number = next((n for n, line in enumerate(text.split("\n"), 1)
                       if line.startswith(key) and line[len(key):].lstrip(" \t").startswith(":")), None)
        problems.append(f"{path}{f':{number}' if number else ''}: {key}: {message}")

    settings = read_settings(raw, root, path, fail)
    data, data_problems = read_data(root / str(raw.get("data_dir") or "_data"))
    problems.extend(data_problems)
    site_vars = freeze({**_JEKYLL_DEFAULTS, **raw, "data": data})
    site = JekyllSite(site_vars=site_vars, data=data, includes_signature=files_signature(settings["includes_dir"]),
                      **settings)
    return site, config_defaults(raw, fail), problems


def files_signature(folder: Path) -> str:
    """A digest of the (relative path, size, mtime_ns) of every file below *folder* ("" when there is none)."""
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        st = path.stat()
        digest.update(f"{path.relative_to(folder).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _load(path: Path, problems: list[str]) -> tuple[dict[str, Any] | None, str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(f"jekyll: {path} not found; `jekyll:` names the folder that holds {CONFIG_FILE}")
        return None, ""
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return None, ""
    try:
        raw = yamlload.load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problems.append(f"{path}{line}: invalid YAML: {getattr(exc, 'problem', None) or exc}")
        return None, text
    except ValueError as exc:  # an impossible timestamp
        problems.append(f"{path}: invalid YAML value: {exc}")
        return None, text
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(f"{path}: expected a mapping of settings, got {type(raw).__name__}")
        return None, text
    return {str(k): v for k, v in raw.items()}, text


def read_settings(raw: dict[str, Any], root: Path, path: Path, fail: Any) -> dict[str, Any]:
    """The typed settings of *raw* (a parsed ``_config.yml``) as JekyllSite's fields; each bad one goes to *fail*."""

    def get(key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = raw.get(key)
        if value is None:
            return default
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            fail(key, f"expected {_kind(kind)}, got {value!r}")
            return default
        return value

    style = get("permalink", str, "date")
    permalink = STYLES.get(style, style)
    collections = get("collections", dict, {})
    posts = collections.get("posts") if isinstance(collections.get("posts"), dict) else {}
    if isinstance(posts.get("permalink"), str) and posts["permalink"].strip():
        permalink = posts["permalink"].strip()  # the posts collection's own template wins, taken as written
    if not permalink.startswith("/"):
        permalink = "/" + permalink  # Jekyll's URL#sanitize_url adds it
    exclude = tuple(str(x).strip("/") for x in get("exclude", list, []) if isinstance(x, (str, int)))
    exts = get("markdown_ext", str, ",".join(MARKDOWN_EXT))
    return dict(
        root=root, config_file=path,
        includes_dir=root / get("includes_dir", str, "_includes"),
        layouts_dir=root / get("layouts_dir", str, "_layouts"),
        excerpt_separator=get("excerpt_separator", str, "\n\n"),
        permalink=permalink,
        defaults=_defaults(get("defaults", list, []), fail),
        kramdown=_kramdown(get("kramdown", dict, {}), fail),
        future=get("future", bool, False),
        show_drafts=get("show_drafts", bool, False),
        exclude=tuple(dict.fromkeys(exclude + DEFAULT_EXCLUDES)),
        markdown_ext=tuple(e.strip().lstrip(".").lower() for e in exts.split(",") if e.strip()),
    )


def _defaults(entries: list[Any], fail: Any) -> tuple[Default, ...]:
    """``defaults:`` as Jekyll keeps them: only entries with a ``values`` mapping; "post" means "posts"."""
    found = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            fail("defaults", f"entry {number} needs a 'values' mapping (and may have a 'scope'); Jekyll ignores it")
            continue
        scope: dict[str, Any] = entry["scope"] if isinstance(entry.get("scope"), dict) else {}
        kind = scope.get("type")
        kind = {"post": "posts", "page": "pages", "draft": "drafts"}.get(str(kind), str(kind)) if kind else None
        scope_path = scope.get("path")
        found.append(Default(scope_path if isinstance(scope_path, str) else "", kind, freeze(entry["values"])))
    return tuple(found)


def _kramdown(raw: dict[str, Any], fail: Any) -> Kramdown:
    """The options of *raw* (``kramdown:``) over Jekyll's defaults; a value of the wrong kind keeps the default."""
    values: dict[str, Any] = {}
    for name, default in vars(Kramdown()).items():
        if name == "options" or name not in raw:
            continue
        value = raw[name]
        if isinstance(default, tuple) and isinstance(value, (list, str)):
            span = re.fullmatch(r"\s*(\d+)\s*\.\.\s*(\d+)\s*", value) if isinstance(value, str) else None
            items = list(range(int(span[1]), int(span[2]) + 1)) if span else (
                value.split(",") if isinstance(value, str) else value)
            value = tuple(int(v) for v in items if str(v).strip().isdigit()) if name == "toc_levels" else tuple(
                str(v).strip() for v in items)
        elif isinstance(default, FrozenMap) and isinstance(value, dict):
            value = freeze({str(k): str(v) for k, v in value.items()})
        elif name == "smart_quotes" and isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if default is None or name in ("syntax_highlighter", "math_engine"):
            wanted: type | tuple[type, ...] = (str, type(None))
        else:
            wanted = type(default)
        if not isinstance(value, wanted) or isinstance(value, bool) != isinstance(default, bool):
            fail("kramdown", f"{name}: expected {_kind(wanted)}, got {value!r}; Jekyll's default is kept")
            continue
        values[name] = value
    return Kramdown(**values, options=freeze(raw))


def overridden(site_vars: FrozenMap, title: str, url: str, description: str, language: str, timezone: str,
               author: tuple[str, str | None] | None) -> FrozenMap:
    """*site_vars* with what ``config.yaml`` settled: the site's address, title and the rest, as Liquid reads them.

    *url* is the site's whole address (``https://example.com/blog/``): Jekyll's
    ``url`` is its scheme and host, ``baseurl`` the path without a trailing slash.
    """
    parts = urlsplit(url)
    merged = dict(site_vars)
    merged.update(title=title, url=f"{parts.scheme}://{parts.netloc}", baseurl=parts.path.rstrip("/"),
                  description=description or site_vars.get("description"), lang=language, timezone=timezone)
    if author is not None and not isinstance(site_vars.get("author"), Mapping | str):
        merged["author"] = {"name": author[0], **({"email": author[1]} if author[1] else {})}
    elif author is not None and isinstance(site_vars.get("author"), str):
        merged["author"] = author[0]
    elif author is not None:
        merged["author"] = {**site_vars["author"], "name": author[0], **({"email": author[1]} if author[1] else {})}
    return freeze(merged)


def config_defaults(raw: dict[str, Any], fail: Any) -> dict[str, Any]:
    """The ``config.yaml`` keys *raw* (``_config.yml``) stands for; ``config.yaml``'s own keys win over these."""
    site: dict[str, Any] = {}
    title = raw.get("title") if raw.get("title") is not None else raw.get("name")
    if isinstance(title, (str, int, float)) and str(title).strip():
        site["title"] = str(title)
    url = raw.get("url")
    if isinstance(url, str) and url.strip():
        parts = urlsplit(url.strip())
        if parts.scheme in ("http", "https") and parts.hostname:
            baseurl = raw["baseurl"] if isinstance(raw.get("baseurl"), str) else ""
            site["url"] = url.strip().rstrip("/") + "/" + baseurl.strip("/") + ("/" if baseurl.strip("/") else "")
        else:
            fail("url", f"must be an absolute http(s) URL such as https://example.com, got {url!r}")
    if isinstance(raw.get("description"), str):
        site["description"] = " ".join(raw["description"].split())
    lang = raw.get("lang") or raw.get("locale")
    if isinstance(lang, str):
        if _LANGUAGE.match(lang):
            site["language"] = lang.replace("_", "-")
        else:
            fail("lang" if raw.get("lang") else "locale", f"must be a language tag such as 'en' or 'ja-JP', "
                 f"got {lang!r}")
    if isinstance(raw.get("timezone"), str):
        site["timezone"] = raw["timezone"]
    author = raw.get("author")
    if isinstance(author, str) and author.strip():
        site["author"] = {"name": author.strip()}
    elif isinstance(author, dict) and isinstance(author.get("name"), str):
        site["author"] = {"name": author["name"], **({"email": author["email"]}
                                                     if isinstance(author.get("email"), str) else {})}
    return {"site": site}


def _kind(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    words = {str: "text", bool: "true or false", int: "a whole number", list: "a list", dict: "a mapping",
             tuple: "a list", FrozenMap: "a mapping"}
    return " or ".join(words.get(k, k.__name__) for k in kinds)


# Jekyll 4.3's defaults (Configuration::DEFAULTS) that Liquid templates read as site.*.
_JEKYLL_DEFAULTS: Mapping[str, Any] = {
    "source": ".", "destination": "./_site", "collections_dir": "", "plugins_dir": "_plugins",
    "layouts_dir": "_layouts", "data_dir": "_data", "includes_dir": "_includes", "collections": {},
    "safe": False, "include": [".htaccess"], "exclude": [], "keep_files": [".git", ".svn"], "encoding": "utf-8",
    "markdown_ext": "markdown,mkdown,mkdn,mkd,md", "strict_front_matter": False, "show_drafts": None,
    "limit_posts": 0, "future": False, "unpublished": False, "whitelist": [], "plugins": [],
    "markdown": "kramdown", "highlighter": "rouge", "lsi": False, "excerpt_separator": "\n\n",
    "incremental": False, "baseurl": None, "permalink": "date", "paginate_path": "/page:num",
    "timezone": None, "quiet": False, "verbose": False, "defaults": [],
    "liquid": {"error_mode": "warn", "strict_filters": False, "strict_variables": False},
    "kramdown": {"auto_ids": True, "toc_levels": [1, 2, 3, 4, 5, 6], "entity_output": "as_char",
                 "smart_quotes": "lsquo,rsquo,ldquo,rdquo", "input": "GFM", "hard_wrap": False,
                 "guess_lang": True, "footnote_nr": 1, "show_warnings": False},
}
