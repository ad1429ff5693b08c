"""`python -m api`: bind, optionally fork, serve, and stop gracefully on SIGTERM."""

import argparse
import asyncio
import atexit
import gc
import glob
import logging
import os
import shutil
import signal
import sys
import tempfile
import time

import tornado.httpserver
import tornado.netutil
import tornado.process

from api import metrics
from api.app import make_app
from config import ConfigError, Settings
from models import db as dbmod
from models import setup
from wiring.api import build_deps
from wiring.common import make_pii, make_redis, wait_ready

log = logging.getLogger("api")
# The connection-level cap. API handlers stream bodies and refuse theirs at their own limit (413);
# this only bounds the sandbox's and Tornado's buffered handlers.
MAX_BODY_SIZE = 64 * 1024 * 1024
GRACE_SECONDS = 10


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="政务服务移动端 API server")
    parser.add_argument("--processes", type=int, default=1, help="worker processes (0 = one per core)")
    parser.add_argument("--port", type=int, default=None, help="overrides PORT")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.port is not None:
            settings = settings.replace(port=args.port)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if not (settings.mongodb_uri and settings.redis_url):
        print("MONGODB_URI and REDIS_URL are required (`make run` starts a local MongoDB-wire server "
              "and Redis, and sets both)", file=sys.stderr)
        return 2
    if args.processes != 1 and settings.mount_sandbox:
        print("--processes above 1 needs the sandbox in a process of its own (SANDBOX=0 and "
              "`python -m sandbox`): each child would otherwise play the upstreams with its own state",
              file=sys.stderr)
        return 2
    directory = metrics_directory(settings, args.processes)
    if directory:  # before any child exists: every child writes its samples there
        metrics.use_directory(directory)
        settings = settings.replace(metrics_dir=directory)
    asyncio.run(prepare(settings))  # once, before any child exists
    sockets = tornado.netutil.bind_sockets(settings.port, settings.host)
    if args.processes != 1:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the parent leaves through atexit (metrics folder)
        tornado.process.fork_processes(args.processes)  # after binding: children share the sockets
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a child: serve() sets its own
    log.info("listening on http://%s:%d (%s mode)", settings.host, settings.port, settings.mode)
    asyncio.run(serve(settings, sockets))
    return 0


def metrics_directory(settings, processes: int) -> str:
    """Where the processes of this start keep their metrics: PROMETHEUS_MULTIPROC_DIR, emptied
    (samples of an earlier start would add up with these), else a fresh temporary folder when
    forking (removed when the parent exits); "" for one process on its own registry."""
    if settings.metrics_dir:
        os.makedirs(settings.metrics_dir, exist_ok=True)
        for path in glob.glob(os.path.join(settings.metrics_dir, "*.db")):
            os.remove(path)
        return settings.metrics_dir
    if processes == 1:
        return ""
    path = tempfile.mkdtemp(prefix="govservice-metrics-")
    atexit.register(_remove_after_children, path, os.getpid())
    return path


def _remove_after_children(path: str, parent: int) -> None:
    """The parent's exit: the folder goes once its children have finished (they write there until
    their last request), or after their grace period."""
    if os.getpid() != parent:  # children inherit the atexit list
        return
    deadline = time.monotonic() + GRACE_SECONDS + 5
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                time.sleep(0.1)
        except ChildProcessError:
            break
    shutil.rmtree(path, ignore_errors=True)


def start_sandbox_sms(settings, deps):
    """Demo: the SMS SDK posts to `/` of its endpoint, so the sandbox gateway gets its own port."""
    if deps.sandbox is None:
        return None
    from sandbox.app import sms_gateway_app

    host, _, port = settings.sms_endpoint.rpartition(":")
    server = tornado.httpserver.HTTPServer(sms_gateway_app(deps.sandbox, log_function=lambda handler: None))
    server.listen(int(port), host or "127.0.0.1")
    log.info("sandbox SMS gateway on %s", settings.sms_endpoint)
    return server


async def prepare(settings) -> None:
    """Indexes and (demo) data, on clients of its own that are closed before forking."""
    db, redis = dbmod.connect(settings.mongodb_uri, settings.mongodb_db), make_redis(settings.redis_url)
    try:
        await wait_ready(db, redis)
        await setup.prepare(db, demo=settings.demo, pii=make_pii(settings))
    finally:
        await redis.aclose()
        await db.close()


async def serve(settings, sockets) -> None:
    deps = build_deps(settings)
    await deps.start()
    app = make_app(settings, deps)
    # Start-up objects (pinyin tables, schemas, demo data) live for the whole process: keep them
    # out of the garbage collector's full scans, which otherwise dominate request CPU.
    gc.collect()
    gc.freeze()
    server = tornado.httpserver.HTTPServer(app, xheaders=settings.trust_proxy, max_body_size=MAX_BODY_SIZE)
    server.add_sockets(sockets)
    extra = start_sandbox_sms(settings, deps)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: no new connections, %ds for requests in flight", GRACE_SECONDS)
    server.stop()
    if extra is not None:
        extra.stop()
    inflight = app.settings["inflight"]
    for _ in range(GRACE_SECONDS * 10):
        if inflight[0] <= 0:
            break
        await asyncio.sleep(0.1)
    else:
        log.warning("%d requests still running after %ds; closing anyway", inflight[0], GRACE_SECONDS)
    await server.close_all_connections()
    flush = getattr(app.settings["log_function"], "flush", None)
    if flush:
        flush()
    await deps.close()
    if settings.metrics_dir:
        metrics.forget(os.getpid(), settings.metrics_dir)
