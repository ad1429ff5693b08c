"""`make run`: the whole system on one machine, in the process shape of production.

Prepares `var/` (Redis's append-only file, MongoDB's data, and the demo's Alipay keys, made once
and kept in `var/local.env`), then hands over to honcho, which runs `deploy/Procfile`: Redis,
SecantusDB (a MongoDB-wire server), the sandbox upstreams, the API and a push worker, each its own
process. Ports follow PORT (default 8000): the sandbox and its SMS gateway on PORT+1, Redis on
PORT+2, MongoDB on PORT+3. VAR_DIR moves `var/` (the tests do). `make reset` wipes `var/`.
"""

import os
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def demo_keys(path: pathlib.Path) -> None:
    """Our demo Alipay app's key and the sandbox's own, with the public half the app verifies
    Alipay's replies with: made once, so every process (and the next run) agrees on them."""
    if path.exists():
        return
    from sandbox.demo import new_key_body, public_pem

    app, platform = new_key_body(), new_key_body()
    public = "".join(line for line in public_pem(platform).splitlines() if not line.startswith("-----"))
    path.write_text(f"ALIPAY_PRIVATE_KEY={app}\nSANDBOX_ALIPAY_PRIVATE_KEY={platform}\nALIPAY_PUBLIC_KEY={public}\n")
    path.chmod(0o600)


def environment(port: int) -> dict:
    env = {"APP_MODE": "demo", "API_PORT": str(port), "SANDBOX_PORT": str(port + 1), "REDIS_PORT": str(port + 2),
           "MONGO_PORT": str(port + 3), "API_PROCESSES": "2", "SANDBOX": "0", "PUSH_WORKER": "0",
           # durable, with no periodic checkpoint: the write-ahead log takes every write (bench/README.md)
           "SECANTUS_CHECKPOINT_SECONDS": "0"}
    env.update({k: v for k, v in os.environ.items() if k in env and k != "API_PORT"})
    env["MONGODB_URI"] = f"mongodb://127.0.0.1:{env['MONGO_PORT']}/?directConnection=true"
    env["REDIS_URL"] = f"redis://127.0.0.1:{env['REDIS_PORT']}/0"
    # the sandbox's WeChat posts its receipts to the API's message-push URL (demo token and key, auto mode)
    env["SANDBOX_WECHAT_PUSH_URL"] = f"http://127.0.0.1:{env['API_PORT']}/api/v1/wechat/events"
    return env


def main() -> int:
    port = int(os.environ.get("PORT") or 8000)
    var = pathlib.Path(os.environ.get("VAR_DIR") or ROOT / "var").resolve()
    for folder in ("redis", "mongo"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    demo_keys(var / "local.env")
    os.environ.update(environment(port), VAR_DIR=str(var))
    os.environ["PORT"] = str(port)  # honcho gives the first process (the API) this port
    honcho = shutil.which("honcho", path=str(ROOT / ".venv" / "bin")) or "honcho"
    os.chdir(ROOT)
    os.execv(honcho, [honcho, "start", "-f", "deploy/Procfile", "-d", str(ROOT), "-e", str(var / "local.env")])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
