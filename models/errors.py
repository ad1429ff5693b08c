"""The one error type of the project.

It lives in models/ (the lowest layer) because models raise it; api/ renders it.
"""


class AppError(Exception):
    """An error with an HTTP status, a stable machine code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str, *, details=None, headers=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class NotFound(AppError):
    def __init__(self, code: str, message: str):
        super().__init__(404, code, message)


class Conflict(AppError):
    def __init__(self, code: str, message: str, *, details=None, headers=None):
        super().__init__(409, code, message, details=details, headers=headers)


class Invalid(AppError):
    """422 with field-level details: {"path.to.field": ["message", ...]}."""

    def __init__(self, details: dict, message: str = "提交的数据有误", code: str = "validation_failed"):
        super().__init__(422, code, message, details=details)


def flatten_errors(messages, prefix: str = "") -> dict:
    """Turn marshmallow's nested error dict into {"a.b[0].c": [msgs]}."""
    out: dict = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_errors(value, path))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = messages
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(flatten_errors(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out
