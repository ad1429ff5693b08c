"""JSON access log lines with secrets scrubbed from the query string."""

import json
import logging
import urllib.parse

log = logging.getLogger("access")
SCRUBBED = {"code", "auth_code", "token", "otp", "access_token", "refresh_token", "password", "secret"}


def scrub_uri(uri: str) -> str:
    path, _, query = uri.partition("?")
    if not query:
        return path
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    cleaned = [(k, "***" if k.lower() in SCRUBBED else v) for k, v in pairs]
    return f"{path}?{urllib.parse.urlencode(cleaned)}"


def log_request(handler) -> None:
    """Tornado's `log_function`: one JSON line per request; headers (Authorization) never logged."""
    if not log.isEnabledFor(logging.INFO):
        return
    request = handler.request
    status = handler.get_status()
    line = {
        "status": status,
        "method": request.method,
        "uri": scrub_uri(request.uri),
        "ms": round(request.request_time() * 1000, 2),
        "ip": request.remote_ip,
        "request_id": getattr(handler, "request_id", None),
    }
    level = logging.WARNING if 400 <= status < 500 else logging.ERROR if status >= 500 else logging.INFO
    log.log(level, json.dumps(line, ensure_ascii=False))
