"""YAML read with bounds: how deep a document nests, and how many values it stands for.

Two kinds of small document cost far more than their size.  PyYAML shares an
aliased value rather than copying it, but anything that walks the value (a
check, a message quoting it, a template) meets every copy: 373 bytes of nested
aliases stood for 300 MB of text, and one more level for more memory than the
machine had.  And libyaml's composer recurses in C once per nesting level:
50,000 ``[`` crash the interpreter (a segfault, not an exception).  So documents
are composed here, from the parser's events (libyaml's parser, like PyYAML's,
keeps its own stack rather than recursing), by PyYAML's own composer with two
limits added: the nesting depth, and the number of values the document stands
for when every use of an alias counts as the copy it becomes.  A document over
either is a :class:`yaml.composer.ComposerError` with its line, raised before
any value is built.
"""

from __future__ import annotations

from typing import Any

from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_DEPTH = 64  # front matter nests three or four levels; Python's stack is safe far beyond this
MAX_VALUES = 10_000  # values a document stands for, each use of an alias counted as a copy

try:
    from yaml._yaml import CParser as _Events  # libyaml: what yaml.CSafeLoader parses with
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    class _Events(Reader, Scanner, Parser):  # type: ignore[no-redef]  # the pure-Python parser instead
        def __init__(self, text: str) -> None:
            Reader.__init__(self, text)
            Scanner.__init__(self)
            Parser.__init__(self)


class _BoundedLoader(Composer, _Events, SafeConstructor, Resolver):
    """``yaml.safe_load``'s loader, with the bounded composer: Composer's methods come first."""

    def __init__(self, text: str) -> None:
        _Events.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values it stands for, once it is complete

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        assert event is not None  # the parser ends a document before its events run out
        mark: Any = event.start_mark  # PyYAML's Mark, or libyaml's own class of it
        if isinstance(event, AliasEvent):
            node = self._compose(parent, index)
            size = self._sizes.get(id(node))
            if size is None:  # its anchor is still open: the value would contain itself
                raise ComposerError(None, None, f"the alias *{event.anchor} refers to the value that holds it; "
                                    "write the value out", mark)
            return self._counted(node, size, mark)
        if isinstance(event, ScalarEvent):
            return self._counted(self._compose(parent, index), 1, mark)
        if self._depth >= MAX_DEPTH:
            raise ComposerError(None, None, f"nests deeper than {MAX_DEPTH} levels; flatten it", mark)
        self._depth += 1
        try:
            node = self._compose(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, MappingNode):
            size = 1 + sum(self._sizes[id(key)] + self._sizes[id(value)] for key, value in node.value)
        else:
            assert isinstance(node, SequenceNode)
            size = 1 + sum(self._sizes[id(item)] for item in node.value)
        return self._counted(node, size, mark)

    def _compose(self, parent: Node | None, index: Any) -> Node:
        """PyYAML's own composing of one node (which calls :meth:`compose_node` for the nodes inside)."""
        node = super().compose_node(parent, index)
        assert node is not None  # None only for a document with no node, which compose_document handles
        return node

    def _counted(self, node: Node, size: int, mark: Any) -> Node:
        if size > MAX_VALUES:
            raise ComposerError(None, None, f"stands for over {MAX_VALUES:,} values (each use of an alias counts "
                                "as a copy of what it names); write the values out or simplify it", mark)
        self._sizes[id(node)] = size
        return node


def load(text: str) -> Any:
    """*text* as ``yaml.safe_load`` reads it; a :class:`yaml.YAMLError` with the line when it is over a bound."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
