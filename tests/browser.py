"""Real headless Chromium for the tests that need a picture, and a tiny PNG reader to look at it.

Chromium's window cannot be narrower than 500 px, so the page is measured and
shot inside an ``<iframe srcdoc>`` of the exact width (a srcdoc frame shares the
wrapper's origin, so the wrapper's script can measure it).  The network is cut
off (every host resolves to nothing): a test never depends on the internet.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars", "--force-device-scale-factor=1",
         "--virtual-time-budget=5000", "--disable-extensions", "--mute-audio"]
_MEASURE = """<script>
window.addEventListener("load", function () {
  var d = document.getElementById("page").contentDocument, e = d.documentElement, widest = 0;
  d.querySelectorAll("body *").forEach(function (el) { widest = Math.max(widest, el.getBoundingClientRect().right); });
  var numbers = d.querySelectorAll("td.num, th.num"), wrapped = 0;  // table cells holding a number
  numbers.forEach(function (cell) {
    var range = d.createRange(), tops = {};
    range.selectNodeContents(cell);
    Array.prototype.forEach.call(range.getClientRects(), function (r) { if (r.width) tops[Math.round(r.top)] = 1; });
    if (Object.keys(tops).length > 1) wrapped++;
  });
  document.getElementById("result").textContent = JSON.stringify({scrollWidth: e.scrollWidth,
    clientWidth: e.clientWidth, height: e.scrollHeight, widest: Math.ceil(widest), text: d.body.innerText.length,
    numbers: numbers.length, wrapped: wrapped});
});
</script>"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Shot:
    width: int  # the viewport the page was given
    scroll_width: int  # the page's own width; > width means a horizontal scrollbar
    widest: int  # the right edge of the widest element
    height: int
    text: int  # characters of visible text
    png: Path
    numbers: int = 0  # table cells holding a number (class "num")
    wrapped_numbers: int = 0  # of which broken over more than one line


def _wrapper(page: str, width: int, height: int) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{{margin:0;background:#fff}}'
            f'</style></head><body><iframe id="page" style="display:block;border:0;width:{width}px;'
            f'height:{height}px" srcdoc="{html.escape(page, quote=True)}"></iframe>'
            f'<pre id="result"></pre>{_MEASURE}</body></html>')


DARK = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]  # prefers-color-scheme: dark


def _run(args: list[str], profile: str) -> str:
    browser = chromium()
    assert browser, "chromium is not installed"
    done = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


def shoot(page: str, width: int, png: Path, dark: bool = False) -> Shot:
    """Lay *page* out at *width* px, measure it, and save a full-height screenshot to *png*."""
    scheme = DARK if dark else []
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="feeder-chromium-") as tmp:
        wrapper = Path(tmp) / "wrapper.html"
        wrapper.write_text(_wrapper(page, width, 800), encoding="utf-8")
        dom = _run(["--window-size=800,800", "--dump-dom", wrapper.as_uri()], tmp + "/profile")
        found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL)
        assert found and found.group(1), f"the measuring script did not run: {dom[-500:]}"
        data = json.loads(html.unescape(found.group(1)))
        height = min(int(data["height"]), 16000)
        wrapper.write_text(_wrapper(page, width, height), encoding="utf-8")
        _run([*scheme, f"--window-size={max(width, 500)},{height}", f"--screenshot={png}", wrapper.as_uri()],
             tmp + "/profile")
    return Shot(width, int(data["scrollWidth"]), int(data["widest"]), height, int(data["text"]), png,
                int(data["numbers"]), int(data["wrapped"]))


def read_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, rows of raw pixels) of an 8-bit RGB/RGBA non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat = 8, b""
    width = height = bpp = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _c, _f, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and color in (2, 6) and not interlace, "only 8-bit RGB(A) non-interlaced PNGs"
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride, rows, prev = width * bpp, [], bytes(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def pixel(path: Path, x: int, y: int) -> tuple[int, int, int]:
    _w, _h, bpp, rows = read_png(path)
    return tuple(rows[y][x * bpp:x * bpp + 3])


def ink(path: Path, width: int) -> tuple[float, int]:
    """(share of pixels that are not white, number of distinct colours) in the left *width* px."""
    w, _h, bpp, rows = read_png(path)
    colours, inked, total = set(), 0, 0
    for row in rows[::4]:
        for x in range(0, min(w, width) * bpp, bpp * 4):
            px = row[x:x + 3]
            colours.add(px)
            total += 1
            inked += px != b"\xff\xff\xff"
    return inked / max(total, 1), len(colours)


def artifacts() -> Path:
    return Path(os.environ.get("FEEDER_ARTIFACTS", Path(__file__).parent / "artifacts"))
