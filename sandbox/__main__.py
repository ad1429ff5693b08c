"""`python -m sandbox`: every upstream on one port of its own (SANDBOX_PORT, default PORT+1): the
SMS gateway at `/` (Aliyun's SDK posts there) and the rest under `/sandbox/`. One sandbox serves
all API processes and push workers of a demo deployment, so they see one WeChat, one SMS inbox."""

import asyncio
import logging
import signal
import sys

import tornado.httpserver
import tornado.web

from config import ConfigError, Settings
from sandbox.app import sandbox_routes
from sandbox.base import NotFoundHandler
from sandbox.demo import demo_state, private_pem, public_pem
from sandbox.sms import TARGETS as SMS_TARGETS
from sandbox.sms import SmsGatewayHandler

log = logging.getLogger("sandbox")


def make_app(state) -> tornado.web.Application:
    state.register_targets(SMS_TARGETS)
    routes = [(r"/", SmsGatewayHandler, {"state": state}), *sandbox_routes(state, prefix="/sandbox")]
    return tornado.web.Application(routes, default_handler_class=NotFoundHandler,
                                   default_handler_args={"state": state}, log_function=lambda handler: None)


def push_receipts(state, settings) -> None:
    """`make run` (SANDBOX_WECHAT_PUSH_URL set): WeChat posts each receipt to the API's message-push URL
    at once (auto mode; safe mode when the AES key is set), so the dashboard's 到达率 moves. Unset (the
    tests' default): no push URL, auto off."""
    if settings.sandbox_wechat_push_url:
        push = state.wechat_push
        push.push_url, push.token = settings.sandbox_wechat_push_url, settings.wechat_push_token
        push.aes_key, push.auto = settings.wechat_push_aes_key or None, True


async def serve(settings) -> None:
    state = demo_state(settings, public_pem(settings.alipay_private_key),
                       alipay_private_key_pem=private_pem(settings.sandbox_alipay_key))
    push_receipts(state, settings)
    server = tornado.httpserver.HTTPServer(make_app(state), max_body_size=64 * 1024 * 1024)
    server.listen(settings.sandbox_port, "127.0.0.1")
    log.info("sandbox upstreams on http://127.0.0.1:%d (SMS gateway at /, the rest under /sandbox/)",
             settings.sandbox_port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()


def main() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if not settings.demo or not (settings.alipay_private_key and settings.sandbox_alipay_key):
        print("the sandbox runs in demo mode only, with ALIPAY_PRIVATE_KEY (our app's) and "
              "SANDBOX_ALIPAY_PRIVATE_KEY (its own) set: `make run` writes both to var/local.env", file=sys.stderr)
        return 2
    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
