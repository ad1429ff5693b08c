"""The clients' static files (resident h5 at /h5/, operators' console at /console/, the inspectors'
app at /field/) with the browser-side protections a public government site is expected to send."""

import os

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


class ClientFiles(tornado.web.StaticFileHandler):
    def initialize(self, path: str, default_filename: str | None = None, policy: str = H5_POLICY) -> None:
        super().initialize(path, default_filename)
        self.policy = policy

    def get_content_type(self) -> str:
        suffix = os.path.splitext(self.absolute_path or "")[1].lower()
        return SCRIPT_TYPES.get(suffix) or super().get_content_type()

    def set_extra_headers(self, path: str) -> None:
        self.clear_header("Server")
        self.set_header("Content-Security-Policy", self.policy)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        if path.endswith((".html", ".webmanifest")) or path in ("", "sw.js"):
            self.set_header("Cache-Control", "no-cache")  # a new build's asset names reach phones at once


def routes(prefix: str, folder: str, policy: str) -> list:
    return [(prefix, tornado.web.RedirectHandler, {"url": f"{prefix}/"}),
            (rf"{prefix}/(.*)", ClientFiles, {"path": folder, "default_filename": "index.html", "policy": policy})]
