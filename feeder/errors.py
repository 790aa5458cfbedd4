"""The one exception root.

Every error a user can fix derives from :class:`FeederError`; its message says
what failed, where, and how to fix it.  Anything else is a bug and stays a
traceback.  Only the CLI catches these, prints them and picks the exit code.
"""

from __future__ import annotations


class FeederError(Exception):
    """Something the user can fix: bad configuration, bad input, a busy lock."""

    exit_code = 1


class ConfigError(FeederError):
    """The configuration file (or a command-line option) is wrong; nothing was written."""

    exit_code = 2


class LockedError(FeederError):
    """Another feeder process holds the lock for too long."""

    exit_code = 1


class PostError(FeederError):
    """One post cannot be used.  Carries the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[type[PostError], tuple[str, str, int | None]]:
        # picklable across the parse worker processes
        return (PostError, (self.path, self.message, self.line))
