"""Shared pieces of the Python benchmarks: free ports, a throwaway redis-server, result lines."""

import json
import os
import shutil
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(workdir: str) -> tuple[subprocess.Popen | None, str | None]:
    """A redis-server on a free port when one is installed (else None: the app uses fakeredis)."""
    if not shutil.which("redis-server"):
        return None, None
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", workdir], stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    return proc, f"redis://127.0.0.1:{port}/0"


def record(name: str, result: dict) -> None:
    """Print the result line and append it to bench/results/<name>.log."""
    line = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) + f" {name} " + json.dumps(result)
    print(line)
    os.makedirs("bench/results", exist_ok=True)
    with open(f"bench/results/{name}.log", "a") as f:
        f.write(line + "\n")


def cleanup(procs, workdir: str) -> None:
    for proc in procs:
        proc.terminate()
    shutil.rmtree(workdir, ignore_errors=True)


async def start_demo_server(tmp: str, procs: list, **env):
    """The app on demo settings in this process, seeded, on a free port: a real redis-server when
    one is installed, MONGODB_URI when set. Returns (settings, deps, http_server, base URL);
    the redis-server is appended to `procs` for `cleanup`."""
    import tornado.httpserver

    from api.app import build_deps, make_app
    from api.config import Settings
    from api.main import MAX_BODY_SIZE

    port = free_port()
    env = {"APP_MODE": "demo", "PORT": str(port), "ACCESS_LOG": "false", **env}
    redis, redis_url = start_redis(tmp)
    if redis:
        procs.append(redis)
        env["REDIS_URL"] = redis_url
    if os.environ.get("MONGODB_URI"):
        env["MONGODB_URI"] = os.environ["MONGODB_URI"]
        env["MONGODB_DB"] = f"bench_{os.getpid()}"
    settings = Settings.from_mapping(env)
    deps = build_deps(settings)
    await deps.start(seed_demo=True)
    server = tornado.httpserver.HTTPServer(make_app(settings, deps), max_body_size=MAX_BODY_SIZE)
    server.listen(port, "127.0.0.1")
    return settings, deps, server, f"http://127.0.0.1:{port}"
