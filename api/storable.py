"""What a JSON body may hold: BSON cannot take integers past 64 bits, NUL in a key or a lone
surrogate (valid JSON, not UTF-8); a `$` key is an operator to MongoDB. Any of them used to fail
the query, the write or the answer with a 500; `BaseHandler.json_body` refuses them as a 400."""

from models.db import MAX_INT
from models.errors import AppError


def check(node) -> None:
    if isinstance(node, str):
        if not node.isascii():
            try:
                node.encode()
            except UnicodeEncodeError:
                raise AppError(400, "request.bad_text", "请求体中含有无效的字符") from None
    elif isinstance(node, int):
        if not -MAX_INT - 1 <= node <= MAX_INT:
            raise AppError(400, "request.number_out_of_range", "请求体中的整数超出范围")
    elif isinstance(node, dict):
        for key, value in node.items():
            if "\x00" in key or key.startswith("$"):
                raise AppError(400, "request.bad_key", "请求体中的字段名无效")
            check(key)
            check(value)
    elif isinstance(node, list):
        for value in node:
            check(value)
