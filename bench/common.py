"""Shared pieces of the benchmarks: the processes of a run, CPU time from /proc, result lines.

Every server runs as its own process, as `make run` starts them: redis-server (Debian),
SecantusDB (a MongoDB-wire server in .venv-secantus: GPL, so only ever run, never imported),
`python -m sandbox`, `python -m api` and `python -m push.worker`. The bench process only starts
them, sets up data over HTTP, starts the load (another process) and reads /proc.
"""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PYTHON = sys.executable
SECANTUSD = os.environ.get("SECANTUSD") or os.path.join(ROOT, ".venv-secantus", "bin", "secantusd-py")
LOAD = os.path.join(ROOT, "bench", "load.py")
TICK = os.sysconf("SC_CLK_TCK")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the project's modules (sandbox.demo for the demo keys)

# The three ways SecantusDB can keep data (bench/README.md weighs them):
# fast: what `make test` runs (in memory, no journal); durable: what `make run` runs (write-ahead
# log, no periodic checkpoint); durable-60: the server's own default (a checkpoint every 60 s).
ENGINES = {
    "fast": ("fast (:memory:)", {"SECANTUS_TEST_FAST_STORAGE": "1"}),
    "durable": ("durable, CHECKPOINT_SECONDS=0", {"SECANTUS_CHECKPOINT_SECONDS": "0"}),
    "durable-60": ("durable, default checkpoints (60 s)", {}),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def secantus_version() -> str:
    # read from the installed package's metadata folder: the package itself is never imported
    found = glob.glob(os.path.join(ROOT, ".venv-secantus", "lib", "python*", "site-packages", "secantusdb-*.dist-info"))
    return os.path.basename(found[0]).removesuffix(".dist-info").split("-")[1] if found else "?"


def engine_label(engine: str) -> str:
    return f"SecantusDB {secantus_version()} {ENGINES[engine][0]}"


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) and of its children if it forked
    (`--processes`), from /proc/<pid>/stat: the figure the database's speed does not change."""
    total = 0
    for p in (pid, *descendants(pid)):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICK


def http(method: str, url: str, body=None, token: str | None = None, headers: dict | None = None):
    """One request of the set-up (not measured): returns (status, parsed JSON or None)."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None and not isinstance(body, bytes):
        body, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    return status, (json.loads(raw) if raw and raw[:1] in b"{[" else None)


def wait_for(check, seconds: float, what: str, proc=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited ({proc.returncode})")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet (refused, no server selected, ...)
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


class Stack:
    """The processes of one run, each on a free port, logs and data in a temporary folder, all
    stopped (SIGTERM, then SIGKILL) and the folder removed on exit. Use as a context manager."""

    def __init__(self, name: str):
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        self.procs: list[subprocess.Popen] = []
        self.named: dict[str, subprocess.Popen] = {}  # the last process started under each name
        self.env: dict = {}
        self.engine = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def spawn(self, name: str, args: list, env: dict | None = None, cpu: int | None = None) -> subprocess.Popen:
        if cpu is not None:  # pinned, so the load and the server under test do not share a core
            args = ["taskset", "-c", str(cpu), *args]
        with open(os.path.join(self.dir, f"{name}.log"), "ab") as log:
            proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                    env={**os.environ, **(env or {})})
        self.procs.append(proc)
        self.named[name] = proc
        return proc

    def log(self, name: str) -> str:
        with open(os.path.join(self.dir, f"{name}.log"), errors="replace") as f:
            return f.read()

    def redis(self) -> str:
        import redis

        if not shutil.which("redis-server"):
            raise SystemExit("redis-server is not installed (make bench-* installs it)")
        port = free_port()
        proc = self.spawn("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--dir", self.dir])
        wait_for(lambda: redis.Redis(port=port).ping(), 10, "redis-server", proc)
        self.env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        return self.env["REDIS_URL"]

    def mongo(self, engine: str, name: str = "mongo") -> tuple[str, subprocess.Popen]:
        import pymongo

        if not os.access(SECANTUSD, os.X_OK):
            raise SystemExit("SecantusDB is not installed (make bench-* installs it into .venv-secantus)")
        port = free_port()
        path = ":memory:" if engine == "fast" else os.path.join(self.dir, name)
        # no SECANTUS_* from the caller's environment: the engine is exactly the one named
        env = {k: v for k, v in os.environ.items() if not k.startswith("SECANTUS_")} | ENGINES[engine][1]
        with open(os.path.join(self.dir, f"{name}.log"), "ab") as log:
            proc = subprocess.Popen([SECANTUSD, "--host", "127.0.0.1", "--port", str(port), "--storage-path", path,
                                     "--log-level", "WARNING"], cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                    env=env)
        self.procs.append(proc)
        uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=200)
        try:
            wait_for(lambda: client.admin.command("ping"), 30, "SecantusDB", proc)
        finally:
            client.close()
        self.env.update(MONGODB_URI=uri, MONGODB_DB="bench")
        self.engine = engine
        return uri, proc

    def demo_env(self, **extra) -> dict:
        """The environment of `make run`'s sandbox, API and worker (deploy/local.py), with this
        run's ports: demo mode, the sandbox in its own process, no worker inside the API."""
        from sandbox.demo import new_key_body, public_pem

        if "SANDBOX_PORT" not in self.env:
            platform = new_key_body()
            self.env.update(APP_MODE="demo", SANDBOX="0", SANDBOX_PORT=str(free_port()), PUSH_WORKER="0",
                            ACCESS_LOG="false", LOG_LEVEL="WARNING", ALIPAY_PRIVATE_KEY=new_key_body(),
                            SANDBOX_ALIPAY_PRIVATE_KEY=platform, ALIPAY_PUBLIC_KEY=public_pem(platform))
        return {**self.env, **extra}

    @property
    def sandbox_base(self) -> str:
        return f"http://127.0.0.1:{self.env['SANDBOX_PORT']}"

    def sandbox(self) -> str:
        proc = self.spawn("sandbox", [PYTHON, "-m", "sandbox"], self.demo_env())
        wait_for(lambda: http("GET", self.sandbox_base + "/sandbox/faults")[0] == 200, 30, "the sandbox", proc)
        return self.sandbox_base

    def api(self, cpu: int | None = None, processes: int = 1, **env) -> tuple[subprocess.Popen, str]:
        port = free_port()
        proc = self.spawn("api", [PYTHON, "-m", "api", "--processes", str(processes)],
                          self.demo_env(PORT=str(port), **env), cpu)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: http("GET", base + "/readyz")[0] == 200, 60, "the API", proc)
        return proc, base

    def worker(self, **env) -> subprocess.Popen:
        return self.spawn("worker", [PYTHON, "-m", "push.worker"], self.demo_env(**env))

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def resident(stack: Stack, base: str, openid: str, *, realname: bool = False) -> str:
    """A WeChat resident logged in through the sandbox's wx.login (and with the real name of their
    own made-up person verified, which applying needs); returns the access token."""
    from config import DEMO_WECHAT_MINI_APPID
    from sandbox.identity import person_for

    _, r = http("POST", stack.sandbox_base + "/sandbox/wechat/login-code", {"openid": openid, "appid": DEMO_WECHAT_MINI_APPID})
    status, r = http("POST", base + "/api/v1/auth/wechat", {"code": r["code"]})
    assert status == 200, r
    token = r["access_token"]
    # what the app asks first: the 用户协议 and 隐私政策, and the 身份证号 notice (models/legal.py)
    _, r = http("GET", base + "/api/v1/legal")
    versions = r["versions"]
    status, r = http("POST", base + "/api/v1/me/consents", {"kinds": list(versions), "versions": versions}, token)
    assert status == 200, r
    if realname:
        id_number, name = person_for(openid)
        status, r = http("POST", base + "/api/v1/me/realname", {"name": name, "id_number": id_number}, token)
        assert status == 200, r
    return token


def load(jobs: list, concurrency: int, save: str | None = None, workdir: str | None = None, rate: float = 0) -> dict:
    """Send `jobs` from another process (bench/load.py) and return its summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=workdir, delete=False) as f:
        json.dump(jobs, f)
    try:
        args = [PYTHON, LOAD, f.name, str(concurrency), "--rate", str(rate)] + (["--save", save] if save else [])
        out = subprocess.run(args, check=True, stdout=subprocess.PIPE, cwd=ROOT).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out)


def counters(stack: "Stack") -> dict:
    """Commands SecantusDB and Redis have answered so far (serverStatus opcounters, INFO stats)."""
    import pymongo
    import redis

    with pymongo.MongoClient(stack.env["MONGODB_URI"]) as client:
        ops = client.admin.command("serverStatus")["opcounters"]
    return {"db_ops": sum(ops.values()),
            "redis_cmds": redis.Redis.from_url(stack.env["REDIS_URL"]).info("stats")["total_commands_processed"]}


def measured(pids: dict, run, stack: "Stack | None" = None) -> tuple[dict, dict]:
    """Run `run()` and return (its result, what changed meanwhile): CPU seconds of each named process,
    and with `stack`, the database operations and Redis commands served (`db_ops`, `redis_cmds`;
    they include the few of the bench itself and of background loops)."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()} | (counters(stack) if stack else {})
    result = run()
    after = {name: cpu_seconds(pid) for name, pid in pids.items()} | (counters(stack) if stack else {})
    return result, {name: after[name] - before[name] for name in before}


def floor(stack: "Stack", calls: int = 1000, concurrency: int = 1) -> dict:
    """bench/floor.py against this run's SecantusDB and Redis: CPU per database and per Redis call."""
    out = subprocess.run([PYTHON, os.path.join(ROOT, "bench", "floor.py"), stack.env["MONGODB_URI"],
                          stack.env["REDIS_URL"], str(calls), str(concurrency)], check=True, stdout=subprocess.PIPE,
                         cwd=ROOT).stdout
    return json.loads(out)


def profiled(pid: int, out: str | None, run):
    """`run()` while py-spy samples process `pid` (and its children) into `out` (collapsed stacks,
    bench/profile.py reads them; `.svg` for a flame graph); without `out`, just `run()`.
    py-spy pauses the process for each sample (250 a second): slower, but stacks read from a
    running process (--nonblocking, BENCH_SPY_NONBLOCKING=1) were often torn here. Figures of a
    profiled run are not comparable to others."""
    if not out:
        return run()
    fmt = "flamegraph" if out.endswith(".svg") else "raw"
    spy = subprocess.Popen([os.path.join(os.path.dirname(PYTHON), "py-spy"), "record", "--pid", str(pid),
                            "--subprocesses", "--rate", "250", "--format", fmt, "-o", out]
                           + (["--nonblocking"] if os.environ.get("BENCH_SPY_NONBLOCKING") else [])
                           + (["--native"] if os.environ.get("BENCH_SPY_NATIVE") else []),  # C frames too
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached
    try:
        return run()
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        spy.wait(30)


def median_run(runs: list[dict], key: str) -> dict:
    """The run whose `key` is the median (runs are kept whole: their figures belong together)."""
    ordered = sorted(runs, key=lambda r: r[key])
    return ordered[(len(ordered) - 1) // 2]


def us(seconds: float, count: int) -> float:
    """Microseconds per item."""
    return round(seconds / max(count, 1) * 1e6, 1)


def record(name: str, result: dict) -> None:
    """Print the result line and append it to bench/results/<name>.log."""
    line = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) + f" {name} " + json.dumps(result, ensure_ascii=False)
    print(line)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", f"{name}.log"), "a") as f:
        f.write(line + "\n")
