"""Disks a test can fill: a small tmpfs mounted over a folder (root only), filled by one file and freed again."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class Tmpfs:
    """A small tmpfs mounted at a folder: a disk that can be filled in a test without touching the real one."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                       check=True, capture_output=True)

    def fill(self, leave: int = 0) -> None:
        """Take every free byte but *leave* (rounded to pages) with one file, ``.filler``."""
        with open(self.path / ".filler", "ab", buffering=0) as handle:
            try:
                while (free := self.available() - leave) > 0:
                    handle.write(b"x" * min(free, 1 << 20))
            except OSError:  # full
                pass

    def available(self) -> int:
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def free(self) -> None:
        (self.path / ".filler").unlink(missing_ok=True)
