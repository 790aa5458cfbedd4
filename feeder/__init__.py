"""feeder: Markdown posts in, standards-correct feeds and a weekly email digest out.

The public API, for scripts that drive feeder without the CLI::

    from feeder import load_config, publish
    from datetime import datetime, timezone

    config = load_config("config.yaml")
    result = publish(config, datetime.now(timezone.utc))   # the clock is read by the caller
    print(result.written, result.problems)

Each name is imported on first use, not with the package: the CLI imports this
package on every run, and a warm ``feeder publish`` must not pay for the
digest's or the mailer's libraries.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from feeder.version import __version__

if TYPE_CHECKING:
    from feeder.config import Config, load_config
    from feeder.digest.files import write_digest
    from feeder.digest.issue import Issue, build_issue
    from feeder.errors import ConfigError, FeederError, PostError, UsageError
    from feeder.feeds.publish import PublishResult, check, publish
    from feeder.mail.send import send
    from feeder.mail.send_result import SendResult, SendRun

# A library prints nothing on its own: the application (feeder's CLI, or yours) configures logging.
logging.getLogger(__name__).addHandler(logging.NullHandler())

_API = {
    "Config": "feeder.config", "load_config": "feeder.config",
    "FeederError": "feeder.errors", "ConfigError": "feeder.errors", "PostError": "feeder.errors",
    "UsageError": "feeder.errors",
    "publish": "feeder.feeds.publish", "check": "feeder.feeds.publish", "PublishResult": "feeder.feeds.publish",
    "build_issue": "feeder.digest.issue", "Issue": "feeder.digest.issue", "write_digest": "feeder.digest.files",
    "send": "feeder.mail.send", "SendResult": "feeder.mail.send_result", "SendRun": "feeder.mail.send_result",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'feeder' has no attribute {name!r}")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value  # once: later lookups do not come here
    return value
