"""Access log: one JSON line per request, secrets scrubbed, written in batches.

Going through `logging` cost about 28 µs a request (record, formatter, a write per line),
a seventh of the menu endpoint's whole budget. Lines are instead built directly and written
together every 200 ms (or every 256 lines), like nginx's buffered access_log. Headers,
Authorization included, are never logged.
"""

import json.encoder
import sys
import time
import urllib.parse

import tornado.ioloop

SCRUBBED = {"code", "auth_code", "js_code", "token", "otp", "access_token", "refresh_token", "password", "secret",
            "phone", "id_number", "sign"}
_quote = json.encoder.encode_basestring  # the C-accelerated JSON string escaper
FLUSH_SECONDS, FLUSH_LINES = 0.2, 256


def scrub_uri(uri: str) -> str:
    path, _, query = uri.partition("?")
    if not query:
        return path
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    cleaned = [(k, "***" if k.lower() in SCRUBBED else v) for k, v in pairs]
    return f"{path}?{urllib.parse.urlencode(cleaned)}"


class AccessLog:
    """Tornado's `log_function`."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self._lines: list[str] = []
        self._scheduled = False
        self._second = -1
        self._stamp = ""

    def __call__(self, handler) -> None:
        request = handler.request
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        uri = request.uri if "?" not in request.uri else scrub_uri(request.uri)
        request_id = getattr(handler, "request_id", None)
        self._lines.append(
            f'{{"ts":"{self._stamp}.{int(now * 1000) % 1000:03d}Z","status":{handler.get_status()},'
            f'"method":{_quote(request.method)},"uri":{_quote(uri)},"ms":{request.request_time() * 1000:.2f},'
            f'"ip":{_quote(request.remote_ip or "")},"request_id":{_quote(request_id) if request_id else "null"}}}\n'
        )
        if len(self._lines) >= FLUSH_LINES:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            tornado.ioloop.IOLoop.current().call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if not self._lines:
            return
        text, self._lines = "".join(self._lines), []
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed or full log stream must not take requests down
