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
