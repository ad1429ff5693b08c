"""The resident h5's first load on a slow mobile network: bytes transferred, requests, the time to
the home page's menu grid on screen and the time until the app has drawn it, for three variants in
the same run, from the same build:

- "before": no compression, no asset caching, no first screen (the page as issue 19 found it, with
  the skeleton and preloads since added);
- "gzip": compression and immutable caching on, no first screen (the page at the end of session 7);
- "after": as shipped: the menu in the page and the inline first screen drawing it (handlers/h5_page.py).

"No first screen" is a copy of the build whose index.html has neither the data marker nor the inline
script, has its stylesheets back in <head> and preloads the menu, as that page did.

    .venv/bin/python bench/firstload.py [--runs 5] [--profiles fast3g,rtt150]   (make bench-firstload)

Needs the h5 build (`make client`, or `npm run build:h5` in miniprogram/) and Debian's chromium.
Two API processes (`python -m api`, demo data, one with HTTP_COMPRESS=0 ASSET_CACHING=0) share
Redis, SecantusDB and the sandbox. Each run is a fresh browser context (cold cache) at 375 px;
the network is throttled through the DevTools protocol (Network.emulateNetworkConditions, latency
added per request as DevTools does). Bytes are what crossed the wire (encodedDataLength, headers
included); "grid" is the time from the navigation's start to the first menu cell on screen (the first
screen's `.fs-cell` or the app's `.grid-cell`), "app" to the app's own `.grid-cell` (uni-h5 running,
every control live), both read in the page (performance.now()). A second visit in the same context
shows what caching saves.
"""

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import ROOT, Stack, cpu_seconds, http, record, us  # noqa: E402

# Chrome DevTools' presets (front_end/core/sdk/NetworkManager.ts): bytes per second and latency in ms.
PROFILES = {
    "fast3g": {"latency": 562.5, "downloadThroughput": 1.6e6 / 8 * 0.9, "uploadThroughput": 750e3 / 8 * 0.9},
    # the figure: a 150 ms round trip with Fast 3G's bandwidth
    "rtt150": {"latency": 150, "downloadThroughput": 1.6e6 / 8 * 0.9, "uploadThroughput": 750e3 / 8 * 0.9},
}
H5 = os.path.join(ROOT, "miniprogram", "dist", "build", "h5")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Each frame, the first moment a menu cell (either kind) and the app's own cell are on screen.
WATCH = """(() => {
  const seen = {};
  const done = (at) => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .filter((e) => e.responseEnd > 0 && e.responseEnd <= at && e.transferSize > 0);
  const look = () => {
    if (seen.grid === undefined && document.querySelector('.fs-cell, .grid-cell')) {
      seen.grid = performance.now();
      const files = done(seen.grid);
      seen.bytes = files.reduce((sum, e) => sum + e.transferSize, 0);
      seen.requests = files.length;
    }
    if (seen.app === undefined && document.querySelector('.grid-cell')) seen.app = performance.now();
    if (seen.app === undefined) requestAnimationFrame(look);
  };
  window.__firstload = seen;
  requestAnimationFrame(look);
})();"""
SEEN = "() => window.__firstload && window.__firstload.app !== undefined && window.__firstload"
INLINE = re.compile(r"<script>.*?</script>", re.S)
SHEETS = re.compile(r'<link rel="stylesheet"[^>]*>')
MENU_PRELOAD = '<link rel="preload" as="fetch" crossorigin="anonymous" href="/api/v1/channels/app/menu">'


def without_first_screen(build: str, folder: str) -> str:
    """A copy of the build as it was before the first screen (see the docstring)."""
    shutil.copytree(build, folder)
    page = os.path.join(folder, "index.html")
    with open(page, encoding="utf-8") as f:
        html = f.read()
    html = INLINE.sub("", html.replace("<!--first-screen-data-->", ""), count=1)
    sheets = SHEETS.findall(html)  # back in <head>, where Vite puts them
    html = SHEETS.sub("", html).replace("</head>", "".join(sheets) + MENU_PRELOAD + "</head>", 1)
    with open(page, "w", encoding="utf-8") as f:
        f.write(html)
    return folder


async def visit(page, cdp, url: str) -> dict:
    sizes: dict[str, float] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.requestServedFromCache", lambda e: sizes.setdefault(e["requestId"], 0))
    await page.goto(url, wait_until="commit")
    seen = await (await page.wait_for_function(SEEN, polling="raf", timeout=60_000)).json_value()
    await page.wait_for_load_state("networkidle")
    network = [size for size in sizes.values() if size > 0]
    # to the grid: what the page's own Resource Timing says had fully arrived by then (headers included)
    return {"grid_ms": round(seen["grid"]), "app_ms": round(seen["app"]), "kb_to_grid": round(seen["bytes"] / 1024, 1),
            "requests_to_grid": seen["requests"],
            "kb": round(sum(network) / 1024, 1), "requests": len(network),
            "no_bytes": len(sizes) - len(network)}  # data: URLs (the icons) and answers from the cache


async def measure(base: str, profile: dict, runs: int) -> dict:
    from playwright.async_api import async_playwright

    first, second = [], []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for _ in range(runs):
                context = await browser.new_context(viewport={"width": 375, "height": 812})
                await context.add_init_script(WATCH)
                page = await context.new_page()
                cdp = await context.new_cdp_session(page)
                await cdp.send("Network.enable")
                await cdp.send("Network.emulateNetworkConditions", {"offline": False, **profile})
                first.append(await visit(page, cdp, base + "/h5/"))
                page = await context.new_page()  # the resident comes back later: same cache, new page
                cdp = await context.new_cdp_session(page)
                await cdp.send("Network.enable")
                await cdp.send("Network.emulateNetworkConditions", {"offline": False, **profile})
                second.append(await visit(page, cdp, base + "/h5/"))
                await context.close()
        finally:
            await browser.close()

    def median(rows, key):
        return statistics.median(r[key] for r in rows)

    return {"first": {k: median(first, k) for k in first[0]}, "again": {k: median(second, k) for k in second[0]},
            "grid_ms_all": [r["grid_ms"] for r in first], "app_ms_all": [r["app_ms"] for r in first]}


def page_cpu(proc, base: str, calls: int = 2000) -> dict:
    """Our API process's CPU per request for the page a phone asks for first (gzip accepted)."""
    for _ in range(50):
        http("GET", base + "/h5/", headers={"Accept-Encoding": "gzip"})
    before = cpu_seconds(proc.pid)
    for _ in range(calls):
        status, _ = http("GET", base + "/h5/", headers={"Accept-Encoding": "gzip"})
        assert status == 200, status
    return {"calls": calls, "cpu_us_per_page": us(cpu_seconds(proc.pid) - before, calls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profiles", default="fast3g,rtt150")
    parser.add_argument("--engine", default="fast")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the page's scripts run on them)")
    if not os.path.isfile(os.path.join(H5, "index.html")):
        raise SystemExit("no h5 build: run `npm run build:h5` in miniprogram/ (or make client)")
    with Stack("firstload") as stack:
        stack.redis()
        stack.mongo(args.engine)
        stack.sandbox()
        plain = without_first_screen(H5, os.path.join(stack.dir, "h5-plain"))
        _, before = stack.api(H5_DIR=plain, HTTP_COMPRESS="false", ASSET_CACHING="false")
        gzip_proc, gzipped = stack.api(H5_DIR=plain)
        after_proc, after = stack.api(H5_DIR=H5)
        for name in args.profiles.split(","):
            for label, base in (("before", before), ("gzip", gzipped), ("after", after)):
                result = asyncio.run(measure(base, PROFILES[name], args.runs))
                record("firstload", {"profile": name, "variant": label, "runs": args.runs, **result})
        # the page as a file (no first screen) against the page with the menu put in it, same run
        for label, proc, base in (("gzip", gzip_proc, gzipped), ("after", after_proc, after)):
            record("firstload-page-cpu", {"variant": label, **page_cpu(proc, base)})


if __name__ == "__main__":
    main()
