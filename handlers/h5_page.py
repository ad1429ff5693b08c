"""The resident h5's page (`/h5/`, `/h5/index.html`) with the home page's first screen in it.

The build (miniprogram/first-screen.js) leaves a marker in index.html and a small inline script
after it. Here the marker becomes the published menu of the resident's region, as JSON the browser
does not run; the script draws the search bar, the menu grid (links) and the tab bar from it at
once, while uni-h5's entry script is still on its way. One round trip brings the grid, whatever the
network. Vue replaces it all when it mounts, and the home page takes the same menu from the page
instead of asking again.
"""

import asyncio
import base64
import hashlib
import json
import logging
import os
import re

import pymongo.errors

from api import published, static
from api.base import STORE_DOWN, BaseHandler, Prepared
from models import regions
from models.errors import AppError
from models.menus import MenuViewSchema

log = logging.getLogger(__name__)

MARKER = "<!--first-screen-data-->"
CHANNEL = "app"  # the h5 is the app channel (phone + SMS login)
REGION_COOKIE = "h5_region"  # the home page's region choice, written by the client beside its storage
# The page must not wait on a slow database for something the app fetches anyway.
DATA_WAIT = 0.5
_INLINE = re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", re.S)
# JSON inside <script>: nothing in it may close the element or start a comment.
_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_view = MenuViewSchema()


class Served(Prepared):
    """One page as sent: the build with one menu version of one region."""

    __slots__ = ("key",)

    def __init__(self, key: tuple, text: str):
        self.key = key
        super().__init__(text.encode())


class BuiltPage:
    """index.html as built, read again when the file changes (a new build), with a
    Content-Security-Policy allowing its inline scripts by their SHA-256 and nothing else inline.
    The page as sent is kept per region until the build or that region's menu changes."""

    def __init__(self, path: str):
        self.path, self._mtime, self.text, self.policy = path, None, "", static.H5_POLICY
        self._served: dict[str | None, Served] = {}  # at most one per region code

    def current(self) -> "BuiltPage":
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except OSError:
            if self._mtime is None:
                raise AppError(404, "page.not_built", "页面尚未构建") from None
            return self  # a build in progress has removed it for a moment: the last one serves
        if mtime != self._mtime:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
            hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                              for s in _INLINE.findall(text))
            self.text, self._mtime = text, mtime
            self.policy = static.H5_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())
        return self

    def served(self, region: str | None, rendered) -> Served:
        key = (self._mtime, rendered.etag if rendered else None)
        hit = self._served.get(region)
        if hit is None or hit.key != key:
            data = data_script(rendered.body, region) if rendered else ""
            hit = self._served[region] = Served(key, self.text.replace(MARKER, data, 1))
        return hit


def data_script(menu_body: bytes, region: str | None) -> str:
    head = json.dumps({"region": region, "region_name": regions.name(region) if region else ""},
                      ensure_ascii=False, separators=(",", ":"))
    payload = head[:-1] + ',"menu":' + menu_body.decode() + "}"
    return f'<script type="application/json" id="first-screen-data">{payload.translate(_UNSAFE)}</script>'


class H5Page(BaseHandler):
    def initialize(self, page: BuiltPage) -> None:
        self.page = page

    async def get(self):
        page = self.page.current()
        region = await self._region(self.get_cookie(REGION_COOKIE, ""))
        served = page.served(region, await self._menu(region))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy", page.policy)
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-cache")
        self.send_prepared(served)

    head = get  # uptime checks; Tornado sends the headers without the body

    def compute_etag(self):
        return None  # our own, strong

    async def _region(self, cookie: str) -> str | None:
        """The cookie's region if a published item carries it; anything else is city-wide (the first
        screen then stays away on a device that chose another region, and the app draws the page).
        So at most one page per region offered is kept."""
        if not regions.CODE.fullmatch(cookie):
            return None
        try:
            carried = await _soon(published.carried_regions(self.deps))
        except (TimeoutError, AppError, pymongo.errors.PyMongoError, *STORE_DOWN):
            return None
        return cookie if cookie in carried else None

    async def _menu(self, region: str | None):
        """The published menu, or None: the page never fails or waits long for it; the app then
        asks for the menu itself and shows its own message if that fails too."""
        rendered = published.cached_menu(self.deps, CHANNEL, region)
        if rendered is None:
            try:
                rendered = await _soon(published.menu(self.deps, CHANNEL, region, _view))
            except (TimeoutError, AppError, pymongo.errors.PyMongoError, *STORE_DOWN) as exc:
                log.info("first screen without the menu: %s", type(exc).__name__)
                return None
        return rendered


async def _soon(coro):
    """The answer within DATA_WAIT, else TimeoutError; the work goes on and fills the cache."""
    task = asyncio.ensure_future(coro)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())  # a late failure is seen
    return await asyncio.wait_for(asyncio.shield(task), DATA_WAIT)


def routes(folder: str) -> list:
    page = BuiltPage(os.path.join(folder, "index.html"))
    return [(r"/h5/", H5Page, {"page": page}), (r"/h5/index\.html", H5Page, {"page": page})]
