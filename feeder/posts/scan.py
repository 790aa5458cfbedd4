"""Finding the post files below ``posts_dir``, and reading one, without leaving ``posts_dir``.

Scanning is one ``stat`` per post file (none for the rest).  What is found that
cannot be a post is a problem of its own path, never an exception, so one odd
entry does not stop the run: a folder that cannot be listed, a symbolic link
that loops, dangles, or leads out of ``posts_dir`` (a post linked to
``../outside/secret.md`` would publish that file), and a name that cannot be
shown as text (bytes that are not UTF-8, control characters) and so could be
neither printed, stored nor put in a URL.  Such a path is reported in a
printable form, its odd bytes backslash-escaped.

A symbolic link named like a post is followed when its target resolves to a
file inside ``posts_dir``.  Links to folders are not followed (one inside would
list its posts twice, one outside would reach outside), as before.  Reading
opens a path without following a link, and resolves and checks it again when
it is one, so a file turned into a link after the scan is not followed out.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import unicodedata
from functools import cached_property
from pathlib import Path

from feeder.errors import ConfigError, PostError
from feeder.posts.row import Signature

SUFFIXES = (".md", ".markdown")
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # a FIFO named like a post must not block the run
_LINE_BREAKING = {"Cc", "Cs", "Zl", "Zp"}  # control characters, lone surrogates (undecodable bytes), line breaks


class Scan(dict[str, Signature]):
    """The post files found, each relative path with its signature; and apart, what could not be a post.

    A dict, so that code that needs only the files (and the cache's keys and
    publish's inputs key) reads it as before; :attr:`problems` holds one
    :class:`PostError` per path that could not be scanned or followed.
    """

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[PostError] = []

    @cached_property
    def key(self) -> str:
        """A digest of the files and their signatures, in the scan's order: equal keys mean no post file
        was added, removed or changed (a folder lists its files in the same order while it is unchanged;
        another order only costs a miss).  Made once per scan, when the scan is complete: at 100,000
        posts it takes 0.2 s, and a publish asks twice (its inputs key, the cache's sync mark).
        """
        return hashlib.sha256(dict.__repr__(self).encode()).hexdigest()


class JekyllRules:
    """Which files of a Jekyll site are posts: Jekyll's PostReader and EntryFilter, for the scan.

    Posts live in ``_posts/`` folders (at the root, or under category folders,
    ``a/b/_posts/``), named ``YYYY-MM-DD-slug.EXT`` with a Markdown extension; other
    folders starting with ``_`` or ``.``, the site's ``exclude`` list and, inside
    ``_posts``, names starting with ``_ . #`` or ending in ``~`` are not read.
    """

    def __init__(self, exclude: tuple[str, ...], extensions: tuple[str, ...]) -> None:
        self.exclude = frozenset(exclude)
        self.suffixes = tuple("." + ext for ext in extensions)

    def folder(self, path: str, name: str) -> bool:
        """Whether to look inside the folder at *path* (relative, no trailing slash) named *name*."""
        if path in self.exclude:
            return False
        if _in_posts(path.rpartition("/")[0] + "/"):
            return not name.startswith(("_", ".", "#")) and not name.endswith("~")
        return not name.startswith((".", "#")) and (not name.startswith("_") or name == POSTS)

    def post(self, prefix: str, name: str) -> bool:
        return (_in_posts(prefix) and name.lower().endswith(self.suffixes) and _DATED.match(name) is not None
                and not name.startswith(("_", ".", "#")) and not name.endswith("~"))


POSTS = "_posts"
_DATED = re.compile(r"\d{2,4}-\d{1,2}-\d{1,2}-[^/]*\.[^./]+$")  # Jekyll's DATE_FILENAME_MATCHER, for a name


def _in_posts(prefix: str) -> bool:
    return prefix.startswith(POSTS + "/") or f"/{POSTS}/" in prefix


def scan(posts_dir: Path, jekyll: JekyllRules | None = None) -> Scan:
    """Every ``*.md`` / ``*.markdown`` below *posts_dir*, skipping hidden files and folders, with its signature.

    For a Jekyll site (*jekyll*), only its posts (see :class:`JekyllRules`).
    """
    if not posts_dir.is_dir():
        raise ConfigError(f"posts_dir: {posts_dir} is not a folder; create it or fix posts_dir in the config")
    root = os.path.realpath(posts_dir)
    found = Scan()
    stack = [(str(posts_dir), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    _entry(entry, prefix, root, stack, found, jekyll)
        except OSError as exc:
            if not prefix:
                raise ConfigError(f"posts_dir: cannot read {posts_dir}: {exc.strerror}; "
                                  "check its permissions or fix posts_dir in the config") from None
            found.problems.append(PostError(printable(prefix), f"cannot read this folder ({exc.strerror}); "
                                            "the posts in it are left out until it can be read"))
    return found


def _entry(entry: os.DirEntry[str], prefix: str, root: str, stack: list[tuple[str, str]], found: Scan,
           jekyll: JekyllRules | None = None) -> None:
    """Add one folder entry to the scan: to *stack* when it is a folder, to *found* when it is a post."""
    name = entry.name
    if name.startswith("."):
        return
    path = prefix + name
    if entry.is_dir(follow_symlinks=False):
        if jekyll is None or jekyll.folder(path, name):
            stack.append((entry.path, path + "/"))
        return
    if not name.endswith(SUFFIXES) if jekyll is None else not jekyll.post(prefix, name):
        return
    shown = printable(path)
    if shown != path:
        found.problems.append(PostError(shown, "the file name is not plain UTF-8 text (it holds an undecodable "
                                        "byte or a control character); rename the file"))
        return
    try:
        if entry.is_symlink():
            problem = _link_problem(entry.path, root)
            if problem:
                found.problems.append(PostError(path, problem))
                return
            st = os.stat(entry.path)
            if not stat.S_ISREG(st.st_mode):
                found.problems.append(PostError(path, "a symbolic link to something that is not a file; "
                                                "a post must be a file"))
                return
        elif entry.is_file(follow_symlinks=False):
            st = entry.stat(follow_symlinks=False)
        else:
            return
    except FileNotFoundError:  # removed since the folder was listed: not a post any more
        return
    except OSError as exc:
        found.problems.append(PostError(path, f"cannot read: {exc.strerror}"))
        return
    found[path] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _link_problem(link: str, root: str) -> str | None:
    """Why the symbolic link at *link* is not followed (None: it may be): a loop, nothing, or outside *root*."""
    try:
        target = os.path.realpath(link, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops (it leads back to itself); remove it or point it at a post file"
        if exc.errno == errno.ENOENT:
            return f"a symbolic link to {printable(os.readlink(link))}, which does not exist; remove or fix it"
        return f"cannot follow the symbolic link: {exc.strerror}"
    if not _inside(target, root):
        return (f"a symbolic link to {printable(target)}, outside posts_dir: only links within posts_dir are "
                "followed; move the post into posts_dir")
    return None


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def printable(path: str) -> str:
    """*path* as it can be printed, stored and compared: undecodable bytes and control characters escaped.

    Names are nearly always printable (one C loop says so); only the rest are
    looked at character by character.
    """
    if path.isprintable():
        return path
    try:  # undecodable bytes are lone surrogates here (os.fsdecode): back to bytes, then shown as \xff
        path = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file name decodes to
        path = path.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(_escaped(c) if unicodedata.category(c) in _LINE_BREAKING else c for c in path)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def read_post(posts_dir: Path, path: str, limit: int | None = None) -> bytes:
    """The bytes of the post at *path* (the first *limit* of them), or a :class:`PostError`.

    The path is opened without following a symbolic link; a link is resolved
    and followed only when it leads to a file inside *posts_dir* (the scan
    checked that, but the file may have been replaced since).
    """
    try:
        fd = _open(posts_dir, path)
        if limit is not None:
            try:
                return os.read(fd, limit)
            finally:
                os.close(fd)
        with open(fd, "rb") as file:  # owns fd from here
            return file.read()
    except OSError as exc:
        raise PostError(path, f"cannot read: {exc.strerror}") from None


def read_if_unchanged(posts_dir: Path, path: str, signature: Signature) -> bytes | None:
    """The bytes of the post at *path* if the file is still the one the scan saw (*signature*), else None.

    For a caller holding what was parsed from that file: equal signatures are
    what the post cache trusts between runs too.
    """
    try:
        fd = _open(posts_dir, path)
        with open(fd, "rb") as file:  # owns fd from here
            st = os.fstat(fd)
            if (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns) != signature:
                return None
            return file.read()
    except (OSError, PostError):
        return None  # the caller reads it the usual way, and reports what is wrong


def _open(posts_dir: Path, path: str) -> int:
    full = os.path.join(posts_dir, path)
    try:
        return os.open(full, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno != errno.ELOOP:  # ELOOP: the path is a symbolic link
            raise
    target = os.path.realpath(full)
    if not _inside(target, os.path.realpath(posts_dir)):
        raise PostError(path, f"a symbolic link to {printable(target)}, outside posts_dir: only links within "
                        "posts_dir are followed; move the post into posts_dir")
    return os.open(target, _OPEN_FLAGS)
