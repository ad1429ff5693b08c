"""Baseline for bench/menu: a bare Tornado handler returning the same bytes and headers."""

import asyncio
import sys

import tornado.web


def make_handler(body: bytes, etag: str):
    class Bare(tornado.web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.set_header("ETag", etag)
            self.set_header("Cache-Control", "public, no-cache")
            self.finish(body)

        def compute_etag(self):
            return None

    return Bare


async def main(port: int, body_file: str, etag: str) -> None:
    with open(body_file, "rb") as f:
        body = f.read()
    app = tornado.web.Application([(r"/api/v1/channels/wechat/menu", make_handler(body, etag))], log_function=lambda h: None)
    app.listen(port, "127.0.0.1")
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
