"""The clients' static files (resident h5 at /h5/, operators' console at /console/, the inspectors'
app at /field/) with the browser-side protections a public government site is expected to send."""

import os
import re

import tornado.web

# The pages talk only to this origin. Style attributes are set by Vue and uni-h5 (hence
# 'unsafe-inline' for styles only); blob: and data: images are upload previews and the favicon.
_COMMON = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
           "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
           "frame-ancestors 'none'; form-action 'self'")
H5_POLICY = f"{_COMMON}; script-src 'self'"
# The console compiles its Vue templates in the browser (no build step), which needs eval; its
# material viewer draws PDFs with pdf.js, whose parser runs in a module worker from vendor/.
CONSOLE_POLICY = f"{_COMMON}; script-src 'self' 'unsafe-eval'; worker-src 'self'"
# Module scripts must come with a JavaScript type; the platform's table (a Windows registry, an
# old /etc/mime.types) may say text/plain or nothing for .mjs, so these are fixed here.
SCRIPT_TYPES = {".js": "text/javascript; charset=UTF-8", ".mjs": "text/javascript; charset=UTF-8"}


# Vite names every built script, style, font and image after its content (`assets/index-B3k9xQ_a.js`,
# uni's chunks `assets/elder.DL-HhDoQ.js`):
# such a file never changes, so a phone keeps it for a year and never asks again.
HASHED = re.compile(r"(?:^|/)assets/[^/]+[.-][A-Za-z0-9_-]{8}\.[a-z0-9]+\Z")
IMMUTABLE = "public, max-age=31536000, immutable"
# Compression is Tornado's `compress_response` (api/app.py), for these files as for JSON, rather than
# `.gz` files made at build time: one mechanism for the three clients (the console has no build step),
# and a hashed file is compressed once per phone, which then keeps it a year.


class ClientFiles(tornado.web.StaticFileHandler):
    def initialize(self, path: str, default_filename: str | None = None, policy: str = H5_POLICY,
                   immutable: bool = True) -> None:
        super().initialize(path, default_filename)
        self.policy, self.immutable = policy, immutable

    def get_content_type(self) -> str:
        suffix = os.path.splitext(self.absolute_path or "")[1].lower()
        return SCRIPT_TYPES.get(suffix) or super().get_content_type()

    def set_extra_headers(self, path: str) -> None:
        self.clear_header("Server")
        self.set_header("Content-Security-Policy", self.policy)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        if self.immutable and HASHED.search(path):
            self.set_header("Cache-Control", IMMUTABLE)
        elif path.endswith((".html", ".webmanifest")) or path in ("", "sw.js"):
            self.set_header("Cache-Control", "no-cache")  # a new build's asset names reach phones at once


def routes(prefix: str, folder: str, policy: str, *, immutable: bool = True) -> list:
    return [(prefix, tornado.web.RedirectHandler, {"url": f"{prefix}/"}),
            (rf"{prefix}/(.*)", ClientFiles, {"path": folder, "default_filename": "index.html", "policy": policy,
                                              "immutable": immutable})]
