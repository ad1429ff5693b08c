"""MongoDB going away under a running API: clear 503s that say to retry, never a 500, and the
service back on its own when the server returns."""

import asyncio
import subprocess
import uuid

from models import db as dbmod
from support import MongoServer, start_server, stop_server


async def test_a_vanished_mongodb_is_a_503_then_recovers(redis_server):
    redis_server.flush()
    mongo = MongoServer().start()
    client = dbmod.client(mongo.url, serverSelectionTimeoutMS=1000)
    db = dbmod.Database(client, f"test_{uuid.uuid4().hex[:8]}", owns_client=False)
    server = await start_server(db, redis_server.url)
    try:
        token = await server.login()
        assert (await server.fetch("/api/v1/admin/audit", token=token)).status == 200
        assert (await server.fetch("/api/v1/channels/wechat/menu")).status == 200
        mongo.proc.send_signal(9)
        mongo.proc.wait(10)
        r = await server.fetch("/api/v1/admin/audit", token=token)
        assert r.status == 503 and r.json["error"]["code"] == "service.unavailable"
        assert r.headers["Retry-After"] == "5"
        assert (await server.fetch("/api/v1/channels/wechat/menu")).status == 200  # still served from the cache
        ready = await server.fetch("/readyz")
        assert ready.status == 503 and ready.json["checks"]["mongo"].startswith("down")
        # the same server comes back on the same port (durability is test_processes' subject)
        mongo.proc = subprocess.Popen(mongo.proc.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      cwd=mongo.dir, env={"SECANTUS_TEST_FAST_STORAGE": "1"})
        mongo.wait_ready()
        for _ in range(50):  # the driver finds the server again within its heartbeat
            if (await server.fetch("/readyz")).status == 200:
                break
            await asyncio.sleep(0.2)
        assert (await server.fetch("/readyz")).status == 200
        assert (await server.fetch("/api/v1/admin/audit", token=token)).status == 200
    finally:
        await stop_server(server)
        await client.close()
        mongo.stop()
        mongo.cleanup()
