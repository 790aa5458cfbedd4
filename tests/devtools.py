"""Headless Chromium driven over its DevTools protocol: a page that stays open while the test acts.

``chromium --screenshot`` and ``--dump-dom`` load a page, wait for the network
to go quiet and exit; a page that keeps a connection open (the preview's live
reload) never goes quiet, and a page that changes by itself cannot be watched
that way.  Here the browser runs with ``--remote-debugging-port=0`` (it prints
the port it took), the test opens a tab over HTTP (``/json/new``) and speaks
to it over a WebSocket: navigate, evaluate JavaScript in it, take screenshots.
Nothing else: what the page does between two questions it does by itself.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from browser import FLAGS, chromium
from websockets.sync.client import connect

# FLAGS without the virtual time budget (this browser runs in real time), and with the network cut off but
# for the server under test on 127.0.0.1: images elsewhere fail at once instead of waiting for DNS.
_FLAGS = [f for f in FLAGS if not f.startswith(("--virtual-time-budget", "--host-resolver-rules"))]
_FLAGS.append("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
_LISTENING = re.compile(r"DevTools listening on (ws://[^\s]+)")


class Browser:
    """One headless Chromium; ``tab()`` opens a page in it.  Use as a context manager."""

    def __init__(self, width: int = 1440, height: int = 1000) -> None:
        executable = chromium()
        assert executable, "chromium is not installed"
        # Chromium's helper processes may still write to the profile as it exits: a failed clean-up is no failure
        self._profile = tempfile.TemporaryDirectory(prefix="feeder-devtools-", ignore_cleanup_errors=True)
        self.process = subprocess.Popen(
            [executable, *_FLAGS, "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={self._profile.name}", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert self.process.stderr is not None
        for line in self.process.stderr:  # the port is in the first lines; stop reading once it is found
            found = _LISTENING.search(line)
            if found:
                self.http = "http://" + found[1].split("/")[2]
                break
        else:
            raise AssertionError(f"chromium exited ({self.process.wait()}) without opening its DevTools port")
        self.process.stderr.close()  # nothing reads it any more: chromium must not block writing to it

    def tab(self, url: str) -> Tab:
        request = urllib.request.Request(f"{self.http}/json/new?{url}", method="PUT")
        with urllib.request.urlopen(request, timeout=30) as response:
            target = json.load(response)
        return Tab(target["webSocketDebuggerUrl"])

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Tab:
    """One page: ``call`` sends a DevTools command and returns its result; events are read and dropped."""

    def __init__(self, websocket_url: str) -> None:
        self._stack = contextlib.ExitStack()
        self._ws = self._stack.enter_context(connect(websocket_url, max_size=64 * 1024 * 1024, open_timeout=30))
        self._ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=60))
            if message.get("id") == ident:
                assert "error" not in message, f"{method}: {message['error']}"
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        """The value of *expression* in the page (JSON-able values only)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, within: float = 30.0) -> Any:
        """Evaluate *expression* until it is truthy (the page does the work); its value. Fails after *within* s."""
        deadline = time.monotonic() + within
        while True:
            try:
                value = self.evaluate(expression)
            except AssertionError:  # the page is between two documents (it is reloading): ask again
                value = None
            if value:
                return value
            assert time.monotonic() < deadline, f"never true within {within} s: {expression}"
            time.sleep(0.05)

    def size(self, width: int, height: int = 1000) -> None:
        """Lay the page out in a viewport of *width* x *height* CSS px (device px: the scale is 1)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def screenshot(self, png: Path, width: int, height: int | None = None) -> Path:
        """A PNG of the page laid out *width* CSS px wide: its whole height, or its top *height* px."""
        self.size(width, 600)  # laid out at the width first: the height depends on it
        whole = int(self.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)"))
        self.size(width, whole)
        self.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")  # painted
        clip = {"x": 0, "y": 0, "width": width, "height": min(height or whole, whole), "scale": 1}
        data = self.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)["data"]
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(base64.b64decode(data))
        return png

    def close(self) -> None:
        self._stack.close()
