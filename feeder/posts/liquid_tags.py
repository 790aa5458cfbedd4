"""Jekyll's own Liquid tags: include, include_relative, highlight, link, post_url; and plugins' tags as links.

Their arguments follow Jekyll's syntax, not Shopify's: ``{% include note.html
kind="tip" text=page.lead %}`` (``key=value``, the value quoted or a variable),
and a file name may be built from variables: ``{% include {{ page.box }} %}``.

``highlight`` writes ``<pre><code class="language-ruby">`` with the code
HTML-escaped and no colouring spans: it reads well with no stylesheet, in a feed
reader or a mail client.  With ``linenos`` the numbers go in a column of their own
(a two-cell table), so the code itself copies without them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from liquid.ast import BlockNode, Node
from liquid.builtin.expressions import FilteredExpression, tokenize
from liquid.context import RenderContext
from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.expression import Expression
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.template import BoundTemplate
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_TAG, Token

from feeder.posts.liquid_links import link_url, post_url

if TYPE_CHECKING:
    from liquid import Environment

    from feeder.posts.liquid import LiquidSite, Notes

NOTES = "feeder.notes"  # where a render context keeps its post's Notes (in its tag_namespace)
POST_PATH = "feeder.path"  # and the post's path under posts_dir, for include_relative
_FILE = re.compile(r"\s*((?:\{\{[^}]*\}\}|[^\s{}])+)\s*(.*)$", re.DOTALL)  # a name, maybe with {{ }}, then params
_PARAM = re.compile(r"""\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([\w.\-\[\]]+))""")
_LANG = re.compile(r"([A-Za-z0-9.+#_-]+)(?:\s+(.*))?", re.DOTALL)  # fullmatch on the stripped options


def notes_of(context: RenderContext) -> Notes | None:
    return context.tag_namespace.get(NOTES)


def site_of(context: RenderContext) -> LiquidSite:
    return context.env.feeder_site  # type: ignore[attr-defined]


def render_argument(context: RenderContext, text: str, token: Token) -> str:
    """A tag's argument with its ``{{ … }}`` rendered in *context* (``{% include {{ page.x }}.html %}``)."""
    if "{{" not in text:
        return text.strip()
    try:
        template = context.env.from_string(text)
    except LiquidError as exc:
        raise LiquidSyntaxError(f"in the argument {text!r}: {exc.message}", token=token) from None
    buf = StringIO()
    for node in template.nodes:
        node.render(context, buf)
    return buf.getvalue().strip()


class IncludeNode(Node):
    """``{% include name k=v %}``: a file of ``_includes/`` (or beside the post) rendered with ``include.k``."""

    __slots__ = ("name", "params", "relative")

    def __init__(self, token: Token, name: str, params: list[tuple[str, Expression]], relative: bool) -> None:
        super().__init__(token)
        self.name, self.params, self.relative = name, params, relative
        self.blank = False

    def __str__(self) -> str:
        return f"{{% {self.token.value} {self.name} %}}"

    def expressions(self) -> Iterable[Expression]:
        return [value for _key, value in self.params]

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        name = render_argument(context, self.name, self.token)
        notes = notes_of(context)
        found = self._find(context, name)
        if isinstance(found, str):
            if notes is not None:
                notes.add(self.token.source, self.token.start_index, found)
            return 0
        shown, path = found
        template = self._load(context, shown, path)
        params = {key: value.evaluate(context) for key, value in self.params}
        line = notes.line_of(self.token.source, self.token.start_index) if notes else None
        if notes is not None:
            notes.stack.append((shown, line or (notes.stack[0][1] if notes.stack else notes.first_line)))
        try:
            with context.extend({"include": params}):
                return sum(node.render(context, buffer) for node in template.nodes)
        except LiquidError as exc:
            raise _inside(exc, shown, self.token) from None
        finally:
            if notes is not None:
                notes.stack.pop()

    def _find(self, context: RenderContext, name: str) -> tuple[str, Path] | str:
        """(name to show, file) of the include, or what is wrong with it (a note)."""
        site = site_of(context)
        what = "include_relative" if self.relative else "include"
        if not name:
            return f"{what}: the file name is empty"
        if ".." in Path(name).parts or name.startswith(("/", "\\")):
            return f"{what} {name}: the name may not leave its folder ('..' or a leading '/'); left out"
        if self.relative:
            post = context.tag_namespace.get(POST_PATH, "")
            if site.posts_dir is None:
                return f"include_relative {name}: the posts folder is unknown; left out"
            base = (site.posts_dir / post).parent
            root = site.source_dir or site.posts_dir
            shown = (base / name).relative_to(root).as_posix() if (base / name).is_relative_to(root) else name
        else:
            if site.includes_dir is None:
                return f"include {name}: the site has no _includes folder; left out"
            base, root, shown = site.includes_dir, site.includes_dir, f"_includes/{name}"
        path = base / name
        try:
            real = path.resolve()
            inside = real.is_relative_to(root.resolve()) and real.is_file()
        except OSError:
            inside = False
        if not inside:
            return f"missing include {shown}: left out (create the file, or remove the tag)"
        return shown, real

    def _load(self, context: RenderContext, shown: str, path: Path) -> BoundTemplate:
        """The include parsed, once per version of its file."""
        env = context.env
        cache: dict[tuple[str, int, int], BoundTemplate] = env.feeder_includes  # type: ignore[attr-defined]
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in cache:
            try:
                text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
            except (OSError, UnicodeDecodeError) as exc:
                raise LiquidError(f"{shown}: cannot read it: {exc}", token=self.token) from None
            try:
                cache[key] = env.from_string(text, name=shown)
            except LiquidError as exc:
                raise _inside(exc, shown, self.token) from None
        return cache[key]


def _inside(exc: LiquidError, shown: str, token: Token) -> LiquidError:
    """An error in an included file, reported at the tag that includes it, naming the file and its line."""
    if exc.token is token or (exc.token is not None and exc.token.source is token.source):
        return exc  # already reported at a line of the post (an include inside an include that failed)
    inner = exc.token.source.count("\n", 0, max(exc.token.start_index, 0)) + 1 if exc.token else None
    where = f"{shown}:{inner}" if inner else shown
    return type(exc)(f"in {where}: {exc.message}", token=token)


class IncludeTag(Tag):
    name = "include"
    block = False
    relative = False

    def parse(self, stream: TokenStream) -> Node:
        token = stream.expect(TOKEN_TAG)
        expression = stream.expect_peek(TOKEN_EXPRESSION)
        next(stream)
        match = _FILE.match(expression.value)
        if not match:
            raise LiquidSyntaxError(f"{self.name}: no file name", token=token)
        params: list[tuple[str, Expression]] = []
        rest, start = match[2], expression.start_index + match.start(2)
        position = 0
        while param := _PARAM.match(rest, position):  # anchored at each step: linear in the tag's length
            position = param.end()
            if param[4] is not None:  # a variable: evaluated where the include renders
                inner = Token(TOKEN_EXPRESSION, param[4], start + param.start(4), expression.source)
                params.append((param[1], FilteredExpression.parse(self.env, TokenStream(tokenize(param[4], inner)))))
            else:
                text = param[2] if param[2] is not None else param[3]
                params.append((param[1], _Literal(token, re.sub(r"\\(.)", r"\1", text))))
        if rest[position:].strip():
            raise LiquidSyntaxError(f"{self.name}: invalid parameters {rest[position:].strip()!r}; write them as "
                                    "key=\"value\" or key=variable", token=token)
        return IncludeNode(token, match[1], params, self.relative)


class IncludeRelativeTag(IncludeTag):
    name = "include_relative"
    relative = True


class _Literal(Expression):
    __slots__ = ("value",)

    def __init__(self, token: Token, value: str) -> None:
        super().__init__(token=token)
        self.value = value

    def evaluate(self, context: RenderContext) -> object:
        return self.value

    def children(self) -> list[Expression]:
        return []


class HighlightNode(Node):
    """``{% highlight lang [linenos] %}…{% endhighlight %}`` as plain, escaped, readable code."""

    __slots__ = ("block", "language", "linenos")

    def __init__(self, token: Token, language: str, linenos: bool, block: BlockNode) -> None:
        super().__init__(token)
        self.language, self.linenos, self.block = language, linenos, block
        self.blank = False

    def __str__(self) -> str:
        return f"{{% highlight {self.language} %}}{self.block}{{% endhighlight %}}"

    def children(self, static_context: RenderContext, *, include_partials: bool = True) -> Iterable[Node]:
        yield self.block

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        inner = context.get_buffer(buffer)  # bounded, as the post's own output is
        self.block.render(context, inner)
        return buffer.write(highlight(inner.getvalue(), self.language, self.linenos))


def highlight(code: str, language: str, linenos: bool) -> str:
    """Code as Jekyll's highlight tag frames it (leading and trailing blank lines dropped), without colours."""
    code = code.strip("\n").rstrip()
    css = f' class="language-{html.escape(language.lower().replace("+", "-"))}"' if language else ""
    body = html.escape(code, quote=False)
    if not linenos:
        return f'<pre><code{css}>{body}</code></pre>'
    numbers = "\n".join(str(n) for n in range(1, code.count("\n") + 2))
    return (f'<table class="highlight-lines"><tbody><tr><td class="gutter"><pre>{numbers}</pre></td>'
            f'<td class="code"><pre><code{css}>{body}</code></pre></td></tr></tbody></table>')


class HighlightTag(Tag):
    name = "highlight"
    end = "endhighlight"

    def parse(self, stream: TokenStream) -> Node:
        token = stream.expect(TOKEN_TAG)
        options = stream.expect_peek(TOKEN_EXPRESSION).value if stream.peek.kind == TOKEN_EXPRESSION else ""
        if stream.peek.kind == TOKEN_EXPRESSION:
            next(stream)
        match = _LANG.fullmatch(options.strip())
        if not match:
            raise LiquidSyntaxError("highlight: name a language, as in {% highlight ruby %} (add linenos for "
                                    "line numbers)", token=token)
        linenos = "linenos" in (match[2] or "")
        next(stream)
        block = get_parser(self.env).parse_block(stream, (self.end, TOKEN_EOF))
        stream.expect(TOKEN_TAG, value=self.end)
        return HighlightNode(token, match[1], linenos, block)


class LinkNode(Node):
    """``{% link path %}`` and ``{% post_url name %}``: a page's or post's URL path (with baseurl, as Jekyll 4)."""

    __slots__ = ("argument",)

    def __init__(self, token: Token, argument: str) -> None:
        super().__init__(token)
        self.argument = argument
        self.blank = False

    def __str__(self) -> str:
        return f"{{% {self.token.value} {self.argument} %}}"

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        argument = render_argument(context, self.argument, self.token)
        site = site_of(context)
        if self.token.value == "post_url":
            url, problem = post_url(site, argument)
        else:
            url, problem = link_url(site, argument)
        notes = notes_of(context)
        if problem and notes is not None:
            notes.add(self.token.source, self.token.start_index, problem)
        return buffer.write(url)


class LinkTag(Tag):
    name = "link"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token = stream.expect(TOKEN_TAG)
        if stream.peek.kind != TOKEN_EXPRESSION:
            example = "2020-01-02-my-post" if self.name == "post_url" else "_posts/2020-01-02-my-post.md"
            raise LiquidSyntaxError(f"{self.name}: name the file, as in {{% {self.name} {example} %}}", token=token)
        next(stream)
        return LinkNode(token, stream.current.value)


class PostUrlTag(LinkTag):
    name = "post_url"


def register_tags(env: Environment) -> None:
    for tag in (IncludeTag, IncludeRelativeTag, HighlightTag, LinkTag, PostUrlTag):
        env.add_tag(tag)

