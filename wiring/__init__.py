"""Wiring: what each process builds, and nothing else.

- `wiring.api.build_deps(settings)`: an API process (`python -m api`, the tests' app);
- `wiring.push.build_worker_deps(settings)` and `wiring.push.build_worker(deps)`: a push worker
  (`python -m push.worker`, or the one an API process runs in demo mode), with its outbox relay
  and receipts poller;
- `wiring.common`: the pieces both use (the Redis pool, PII keys, the HTTP client, waiting for
  MongoDB and Redis at start, the mini-programs' platform clients); benches take what they need
  from here.

The only layer that imports every other: `api/`, `handlers/` and `push/` import nothing from it
but their process's entry point does (tests/test_layers.py)."""
