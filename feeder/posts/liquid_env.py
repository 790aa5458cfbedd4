"""python-liquid set up as Jekyll sets up Liquid: its tags and filters, lax where Jekyll is, and bounded.

Loaded only when a post has Liquid (see :mod:`feeder.posts.liquid`): python-liquid
takes ~180 ms to import (it brings asyncio and babel), which a run without
Liquid must not pay.

Jekyll (Liquid 4, non-strict) renders an undefined variable as nothing and
passes a value through a filter it does not know; a tag it does not know stops
the build, but a user migrating from a site with plugins wants the post, so an
unknown tag renders as nothing (or a link, see :func:`feeder.posts.liquid_tags.plugin_output`).
Each of those is noted (:class:`~feeder.posts.liquid.Notes`) for ``feeder check``.
A tag out of place (``{% endif %}`` with no ``if``) stays a syntax error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TextIO

from liquid import Environment
from liquid.ast import Node
from liquid.context import RenderContext
from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.template import BoundTemplate
from liquid.token import TOKEN_EXPRESSION, TOKEN_ILLEGAL, TOKEN_TAG, Token

from feeder.errors import PostError
from feeder.posts.liquid import LiquidSite, Notes
from feeder.posts.liquid_filters import register_filters
from feeder.posts.liquid_links import plugin_output
from feeder.posts.liquid_tags import NOTES, POST_PATH, register_tags, render_argument

_OUT_OF_PLACE = {"else", "elsif", "when"}  # inner tags of if/unless/case/for, never tags of their own


class _Context(RenderContext):
    """A render context where an unknown filter passes its value through, and is noted."""

    def filter(self, name: str, token: Token | None) -> Callable[..., object]:
        if name not in self.env.filters:
            notes: Notes | None = self.tag_namespace.get(NOTES)
            if notes is not None and token is not None:
                notes.add(token.source, token.start_index, unknown_filter(name))
            return _unchanged
        return super().filter(name, token)


def _unchanged(value: object, *_args: object, **_kwargs: object) -> object:
    return value


class _Template(BoundTemplate):
    context_class = _Context


class JekyllEnvironment(Environment):
    """Jekyll's Liquid, within bounds a hostile post cannot get past (loops, output size, include depth)."""

    template_class = _Template
    loop_iteration_limit = 1_000_000
    output_stream_limit = 5_000_000  # characters: 50 times a long post
    local_namespace_limit = None
    context_depth_limit = 30  # nested includes, an include that includes itself

    def __init__(self, site: LiquidSite) -> None:
        self.feeder_site = site  # before Environment's own __init__, which registers the filters that read it
        super().__init__()
        self.feeder_includes: dict[tuple[str, int, int], BoundTemplate] = {}  # (path, size, mtime) -> parsed
        self.feeder_unknown: list[PluginNode] | None = None  # the post being parsed: its unknown tags
        self.feeder_static: RenderContext | None = None

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        super().setup_tags_and_filters(extra=extra)
        self.add_tag(_UnknownTag)
        register_tags(self)
        register_filters(self)

    def error(self, exc: type[LiquidError] | LiquidError, msg: str | None = None, token: Token | None = None) -> None:
        """As Liquid's, but an error found at the end of an expression points at the tag it is in."""
        if isinstance(exc, LiquidError) and exc.token is not None and exc.token.start_index < 0:
            exc.token = token
        super().error(exc, msg, token)


class PluginNode(Node):
    """A tag only a plugin knows: rendered as a link where its argument names one, else as nothing."""

    __slots__ = ("expression", "name")

    def __init__(self, token: Token, name: str, expression: str) -> None:
        super().__init__(token)
        self.name, self.expression = name, expression
        self.blank = False

    def __str__(self) -> str:
        return f"{{% {self.name} {self.expression} %}}"

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        notes: Notes | None = context.tag_namespace.get(NOTES)
        if notes is not None and not self.name.startswith("end"):  # in an include: noted when it renders
            notes.add(self.token.source, self.token.start_index, unknown_tag(self.name))
        return buffer.write(plugin_output(self.name, render_argument(context, self.expression, self.token)))


class _UnknownTag(Tag):
    """What the parser falls back to for a tag name it has not registered (Liquid's "illegal" tag)."""

    name = TOKEN_ILLEGAL
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token = stream.expect(TOKEN_TAG)
        expression = ""
        if stream.peek.kind == TOKEN_EXPRESSION:
            next(stream)
            expression = stream.current.value
        name = token.value
        if not name:
            raise LiquidSyntaxError("missing tag name", token=token)
        if name in _OUT_OF_PLACE or (name.startswith("end") and name[3:] in self.env.tags):
            raise LiquidSyntaxError(f"unexpected tag '{name}': nothing open here for it to close or continue",
                                    token=token)
        node = PluginNode(token, name, expression)
        if self.env.feeder_unknown is not None and not name.startswith("end"):  # type: ignore[attr-defined]
            self.env.feeder_unknown.append(node)  # type: ignore[attr-defined]
        return node


def render_liquid(env: JekyllEnvironment, text: str, page: Mapping[str, Any], notes: Notes, path: str) -> str:
    """*text* parsed and rendered for the post at *path*, its unknown tags and filters noted in *notes*.

    Unknown tags are noted as they are parsed and unknown filters by a walk of the parsed
    template, so those in a branch that does not render are listed too.
    """
    unknown: list[PluginNode] = []
    env.feeder_unknown = unknown
    try:
        template = env.from_string(text)
    finally:
        env.feeder_unknown = None
    for node in unknown:
        notes.add(node.token.source, node.token.start_index, unknown_tag(node.name))
    for name, token in _filters(template.nodes, _static_context(env)):
        if name not in env.filters:
            notes.add(token.source, token.start_index, unknown_filter(name))
    site = env.feeder_site
    context = _Context(template, globals={"site": site.site, "page": page, "post": page,
                                          "jekyll": {"environment": "production"}})
    context.tag_namespace[NOTES] = notes
    context.tag_namespace[POST_PATH] = path
    buf = context.get_buffer()  # bounded: output_stream_limit
    template.render_with_context(context, buf)
    return buf.getvalue()


def _filters(nodes: Iterable[Node], static: RenderContext) -> Iterator[tuple[str, Token]]:
    """The name and token of every filter in *nodes* and below (not in included files)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        expressions: list[Any] = list(node.expressions())
        while expressions:
            expression = expressions.pop()
            for chain in ("filters", "tail_filters"):
                for applied in getattr(expression, chain, None) or ():
                    yield applied.name, applied.token
            expressions.extend(expression.children())
        stack.extend(node.children(static, include_partials=False))


def _static_context(env: JekyllEnvironment) -> RenderContext:
    """What walking the parse tree needs (Liquid's API asks for one; the walk renders nothing)."""
    if env.feeder_static is None:
        env.feeder_static = RenderContext(env.from_string(""))
    return env.feeder_static


def unknown_tag(name: str) -> str:
    return f"unknown tag '{name}' (a plugin's?): {plugin_effect(name)}"


def unknown_filter(name: str) -> str:
    return f"unknown filter '{name}': the value is left as it was"


def render_template(env: JekyllEnvironment, text: str, page: Mapping[str, Any], notes: Notes, path: str) -> str:
    """:func:`render_liquid`, with a Liquid error made a :class:`PostError` at the post file's line."""
    try:
        return render_liquid(env, text, page, notes, path)
    except LiquidError as exc:
        token = exc.token
        line = notes.line_of(token.source, token.start_index) if token else None
        message = str(exc.message if exc.message is not None else exc).strip()
        if "found end of expression" in message and (opened := _unclosed(env, text)):
            index, name = opened
            line = notes.line_of(text, index)
            message = f"{{% {name} %}} is never closed: add {{% end{name} %}} where it should end"
        raise PostError(path, f"Liquid: {message}", line or notes.first_line) from None


def _unclosed(env: JekyllEnvironment, text: str) -> tuple[int, str] | None:
    """Where the innermost block tag that is never closed opens in *text*, and its name."""
    stack: list[tuple[int, str]] = []
    for token in env.tokenizer()(text):
        if token.kind != TOKEN_TAG:
            continue
        tag = env.tags.get(token.value)
        if tag is not None and tag.block and isinstance(getattr(tag, "end", None), str) and tag.end:
            stack.append((token.start_index, token.value))
        elif token.value.startswith("end") and any(name == token.value[3:] for _i, name in stack):
            while stack and stack.pop()[1] != token.value[3:]:
                pass
    return stack[-1] if stack else None


def plugin_effect(name: str) -> str:
    """What feeder does with the plugin tag *name*, for the warning."""
    if name == "gist":
        return "rendered as a link to the gist"
    if name in ("youtube", "vimeo", "tweet", "twitter", "instagram"):
        return "rendered as a link when its argument is an id or a URL"
    return "rendered as a link when its argument is a URL, else as nothing"


def make_environment(site: LiquidSite) -> JekyllEnvironment:
    return JekyllEnvironment(site)
