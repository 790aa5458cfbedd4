"""SpamAssassin, run offline on a message: its score and the rules that fired.

``spamassassin -t -L`` (test mode, local tests only: no DNS blocklists, no
network) is what a receiving server runs before DNS-based checks; every rule
it reports is about the message itself, so feeder can act on it.  It runs with
HOME in a temporary folder, so it neither reads nor writes a user's
``~/.spamassassin``.  Used by tests/test_message.py and bench/heavy_week.py.
"""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from email import policy

# Rules that only the path a message takes can satisfy: feeder hands the message to a relay, which adds them.
RELAY_ONLY = {
    "NO_RECEIVED": "no Received header: the first relay that takes the message from feeder adds one",
    "NO_RELAYS": "not relayed via SMTP: true of any message before it is sent",
}
# Informational rules that hold of every message of the kind feeder sends, whatever it does.
BY_DESIGN = {
    "HTML_MESSAGE": "the message has an HTML part (0.001 points, informational): the digest is an HTML email",
}


@dataclass(frozen=True)
class Report:
    score: float
    rules: tuple[str, ...]


def available() -> bool:
    return shutil.which("spamassassin") is not None


def check(message: bytes, timeout: float = 300) -> Report:
    """SpamAssassin's verdict on *message* (the bytes of a whole .eml), run with ``-t -L``."""
    with tempfile.TemporaryDirectory() as home:
        done = subprocess.run(["spamassassin", "-t", "-L", "-x"], input=message, capture_output=True,
                              timeout=timeout, check=True, env={"HOME": home, "PATH": "/usr/bin:/bin"})
    status = email.message_from_bytes(done.stdout, policy=policy.default)["X-Spam-Status"]
    if status is None:
        raise RuntimeError(f"spamassassin wrote no X-Spam-Status: {done.stderr.decode(errors='replace')[-500:]}")
    text = re.sub(r",\s+", ",", " ".join(str(status).split()))  # the header is folded after a comma
    score = re.search(r"score=(-?[\d.]+)", text)
    tests = re.search(r"tests=(\S*)", text)
    assert score and tests, text
    return Report(float(score[1]), tuple(sorted(t for t in tests[1].split(",") if t and t != "none")))
