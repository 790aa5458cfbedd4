"""Every exception class feeder raises, in one place.

Every error a user can fix derives from :class:`FeederError`; its message says
what failed, where, and how to fix it, and its ``exit_code`` is what the CLI
exits with.  Anything else is a bug and stays a traceback.  Only the CLI
catches these, prints them and picks the exit code; the library raises them
and never prints them.

The exit codes: 1 for trouble with data or the outside world (a post, the
ledger, a recipient, the SMTP server, a busy lock, a full disk), 2 for a mistake
in what the user asked for (the config file, a command-line option); nothing is
written on 2.  A :class:`StorageError` picks its code from the cause: a folder
the config names that cannot be written at all is 2, though a publish may have
noted in its state, by then, that it had begun.

Two classes here are not :class:`FeederError`: :class:`Expired`, which is
internal control flow, and :class:`ChildFailed`, which its caller turns into
its own message (see their docstrings).  This module imports nothing from
feeder, so every other module may import it.
"""

from __future__ import annotations


class FeederError(Exception):
    """Something the user can fix: bad configuration, bad input, a busy lock."""

    exit_code = 1


class ConfigError(FeederError):
    """The configuration is wrong: the file, or what it names (posts_dir, digest.recipients, templates).

    Carries every problem found, one line each (``config.yaml: site.url: must be …``),
    so that a file with three mistakes takes one run to fix, not three.
    """

    exit_code = 2

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems
        super().__init__(*problems)

    def __str__(self) -> str:
        return "\n".join(self.problems)


class UsageError(FeederError):
    """A command-line option or argument is wrong (``--week``, ``--to``, a week not over yet); nothing was written.

    Not a :class:`ConfigError`: the fix is in the command, not in the config file.
    """

    exit_code = 2


class StorageError(FeederError):
    """A file or folder feeder must write cannot be written: a full disk, a read-only folder, a file in the way.

    Built by :func:`feeder.atomic.cannot_write`, which reads the cause: exit 2 when the
    fix is to the setup (a folder the config names is read-only, not writable by this
    user, or a file stands where a folder must be), 1 when the place is right but the
    disk is full or failing, so a later run, once space is freed, goes on.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        self.exit_code = exit_code
        super().__init__(message)

    def __reduce__(self) -> tuple[type[StorageError], tuple[str, int]]:
        return (StorageError, (str(self), self.exit_code))


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


class InvalidPosts(FeederError):
    """``--strict`` and at least one post is invalid: nothing was written.

    Carries the :class:`PostError` of each invalid post, for the CLI to print before this summary.
    """

    def __init__(self, problems: list[PostError]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} invalid post(s); --strict wrote nothing")


class NothingUsable(FeederError):
    """There was work to do, but every post it needed has a problem: nothing was made from them.

    Carries the :class:`PostError` of each, for the CLI to print before this summary (a digest
    whose every post is unusable is this, never an empty issue sent to everyone).
    """

    def __init__(self, message: str, problems: list[PostError]) -> None:
        self.problems = problems
        super().__init__(message)


class RecipientError(FeederError):
    """An address cannot be put in a message (a line break, no ``@``).

    The data is wrong, not the config: the recipients file and ``--to`` are checked
    before any message is built, so this reaches a user only through a library caller
    that passed an address of its own.
    """


class LedgerError(FeederError):
    """The send journal is damaged in a way that a crash cannot explain: a human must look."""


class SmtpError(FeederError):
    """The server cannot be used at all (refused at connect, TLS, login); anyone else would fail the same way."""


class Expired(Exception):
    """Work guarded by :func:`feeder.deadline.deadline` ran out of time.

    Not a :class:`FeederError` on purpose: it is raised from a signal handler into
    whatever code happens to be running, and only the caller of ``deadline()`` knows
    what that work was, so it always catches this and reports its own error (a
    render that took too long becomes a :class:`PostError` for that post).  One that
    escaped would be a bug, and should look like one: a traceback.
    """


class ChildFailed(Exception):
    """Work run in a forked child (see :func:`feeder.pool.run_forked`) crashed, failed or ran out of time.

    Not a :class:`FeederError`: like :class:`Expired`, only the caller knows what the work was, so it
    catches this and says so in its own terms (the preview answers that request with a 500 page).
    """


class PageFailed(Exception):
    """The preview could not make a page: the title and the message that page shows the editor instead.

    Not a :class:`FeederError`: it never reaches the CLI; the preview catches it and
    answers the request with a page that says what went wrong (a config that no
    longer loads, a template error, a render that crashed).
    """

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title, self.message = title, message


class SubscriberError(FeederError):
    """The subscriber store cannot do what was asked: an invalid address, an unknown subscriber, a damaged database."""


class TokenError(FeederError):
    """A link's token (``/confirm/TOKEN``, ``/unsubscribe/TOKEN``) cannot be used; nothing was changed.

    The subclasses say why, so that a page can say "this link has expired, subscribe again"
    to the one and "this link is not valid" to the other.
    """


class BadToken(TokenError):
    """Not a token feeder signed with any of its keys: tampered, cut short, for another purpose, or a foreign key."""


class ExpiredToken(TokenError):
    """A genuine confirmation token, older than ``serve.confirm_expiry_days``."""
