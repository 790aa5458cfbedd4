"""The code that turns posts into files, as one fingerprint: what is kept never outlives an upgrade.

feeder's version number alone is not enough.  The README installs feeder
editable, so ``git pull`` changes its code without changing the version, and
an upgraded Markdown, nh3 or feedgen renders or writes different bytes.  The
fingerprint is therefore feeder's version, Python's, and the stat signature
(size, mtime, inode) of every file in feeder's package and of each library's
entry file: editing or reinstalling any of them changes it, and the post cache,
the output fingerprints and the "nothing changed" check all start afresh.
It costs about 2 ms, once per process.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import cache
from importlib.util import find_spec

from feeder.version import __version__

# What reads front matter, renders Liquid and Markdown, sanitizes HTML, cuts excerpts and writes feeds and templates.
_LIBRARIES = ("yaml", "frontmatter", "markdown", "nh3", "regex", "feedgen", "lxml", "jinja2", "liquid")


@cache
def fingerprint() -> str:
    """A digest that changes whenever feeder's code or a library it renders with changes."""
    parts = [__version__, sys.version]
    package = os.path.dirname(os.path.abspath(__file__))
    for folder, dirs, names in os.walk(package, followlinks=True):  # templates/email may be a link
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        parts.extend(_signature(os.path.join(folder, name)) for name in sorted(names))
    for name in _LIBRARIES:
        spec = find_spec(name)
        parts.append(_signature(spec.origin) if spec and spec.origin else f"{name}: not installed")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _signature(path: str) -> str:
    st = os.stat(path)
    return f"{path}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
