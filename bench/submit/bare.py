"""Baseline for bench/submit: a bare Tornado handler that parses the JSON body of a submission and
answers 201 with the bytes the API answered to one (what any JSON POST costs in Tornado)."""

import asyncio
import json
import sys

import tornado.web


def make_handler(answer: bytes):
    class Bare(tornado.web.RequestHandler):
        def post(self):
            json.loads(self.request.body)
            self.set_status(201)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(answer)

    return Bare


async def main(port: int, answer_file: str) -> None:
    with open(answer_file, "rb") as f:
        answer = f.read()
    app = tornado.web.Application([(r"/api/v1/applications", make_handler(answer))], log_function=lambda h: None)
    app.listen(port, "127.0.0.1")
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
