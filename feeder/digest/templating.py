"""Template mistakes said the way an editor can fix them: the file, the line, the name.

Jinja2's own message for a value a template asks for and does not get is
``'mappingproxy object' has no attribute 'subtitle'``: no file, no line, and
the type of a mapping the editor never heard of.  :class:`Unknown` (the
environment's ``undefined``) raises at the first use of such a value, as
:class:`jinja2.StrictUndefined` does, with a message that names the value and
what the template can have instead; :func:`explain` finds the template file and
line in the traceback (Jinja2 rewrites it so that its frames are the
template's own lines) and quotes that line.
"""

from __future__ import annotations

import dataclasses
import linecache
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import jinja2

SHOWN_NAMES = 12  # at most this many of the names a template could have used are listed
_TEMPLATE_FRAMES = ("top-level template code", "template", "block ")  # the names Jinja2 gives its rewritten frames


class Unknown(jinja2.StrictUndefined):
    """An undefined value whose error names it and lists what was there instead."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        name = self._undefined_name
        owner = self._undefined_obj
        if owner is jinja2.utils.missing:
            return f"unknown value {name!r}"
        return f"unknown value {name!r}: {_describe(owner)} has no {name!r}{_choices(owner)}"


def _describe(owner: Any) -> str:
    if isinstance(owner, Mapping):
        return "the mapping"
    return f"the {type(owner).__name__}"


def _choices(owner: Any) -> str:
    """" (it has: a, b, c)" for a mapping's keys or a dataclass's fields; "" when there is nothing to list."""
    if isinstance(owner, Mapping):
        names = [str(key) for key in owner]
    elif dataclasses.is_dataclass(owner):
        names = [f.name for f in dataclasses.fields(owner)]
    else:
        return ""
    if not names:
        return " (it is empty)"
    more = f", and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else ""
    return f" (it has: {', '.join(names[:SHOWN_NAMES])}{more})"


def where(traceback: TracebackType | None) -> tuple[str, int] | None:
    """(template file, line) of the innermost template frame in *traceback*; None when no template ran."""
    found = None
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_name.startswith(_TEMPLATE_FRAMES) and not code.co_filename.endswith(".py"):
            found = (code.co_filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    return found


def explain(exc: jinja2.UndefinedError, name: str) -> str:
    """``FILE:LINE: template error: unknown value 'x': … in: {{ the line }}``; *name* when no frame says where."""
    found = where(exc.__traceback__)
    if found is None:
        return f"{name}: template error: {exc.message}"
    filename, line = found
    linecache.checkcache(filename)  # the editor changes templates while the preview runs
    source = " ".join(linecache.getline(filename, line).split())
    quoted = f" in: {source[:200]}" if source else ""
    return f"{filename}:{line}: template error: {exc.message}{quoted}"
