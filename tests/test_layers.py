"""The import rules of docs/ARCHITECTURE.md's layers table, checked on every module's imports
(function-level ones too), and what a push worker's process loads."""

import ast
import os
import pathlib
import subprocess
import sys

import pytest

from support import ROOT

OURS = {"api", "config", "handlers", "usecases", "models", "channels", "exchange", "push", "sandbox", "wiring"}
# package -> what of ours its modules may import (anything else: stdlib and third-party)
ALLOWED = {
    "config": set(),
    "models": {"models"},
    "channels": {"channels", "models"},
    "exchange": {"exchange", "models"},
    "push": {"push", "models"},
    "sandbox": {"sandbox", "config"},
    "usecases": {"usecases", "models", "channels", "exchange", "push"},
    "handlers": {"handlers", "api", "usecases", "models"},
    "api": OURS - {"wiring", "usecases"},
    "wiring": OURS,
}
# a process's entry point (its `main()`) reads the settings and calls the wiring
ENTRY_POINTS = {"api/main.py": {"wiring"}, "push/worker.py": {"config", "wiring"}}


def modules(package: str):
    root = pathlib.Path(ROOT)
    if package == "config":
        yield root / "config.py"
        return
    yield from sorted((root / package).rglob("*.py"))


def imported(path: pathlib.Path, package: str) -> set[str]:
    """Our top-level packages `path` (in `package`) imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level:  # relative: within its own package
            found.add(package)
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_layer_imports_only_what_the_table_allows(package):
    wrong = {}
    for path in modules(package):
        name = path.relative_to(ROOT).as_posix()
        extra = imported(path, package) - ALLOWED[package] - {package} - ENTRY_POINTS.get(name, set())
        if extra:
            wrong[name] = sorted(extra)
    assert not wrong, f"imports docs/ARCHITECTURE.md's layers table does not allow: {wrong}"


def test_the_check_sees_imports_inside_functions(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import json\n\ndef main():\n    from api.app import make_app\n    import handlers.health\n"
                   "    from . import sibling\n")
    assert imported(bad, "push") == {"api", "handlers", "push"}


def test_a_push_worker_process_loads_nothing_of_the_api():
    """`python -m push.worker` builds its deps and worker from `wiring.push`, and its metrics port
    (`push/stream_metrics.py`) is plain Tornado: no api/, handlers/, usecases/, exchange/ or
    sandbox/ module is loaded, even with the port serving."""
    code = ("import sys, types, push.worker, wiring.push, wiring.common\n"
            "from config import Settings\n"
            "wiring.push.serve_metrics(Settings(metrics_port=0), types.SimpleNamespace(redis=None)).stop()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('api', 'handlers', 'usecases', 'exchange', 'sandbox')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": ROOT}, check=True).stdout.strip()
    assert out == "[]"


def test_the_worker_deps_hold_only_what_a_worker_uses():
    from wiring.push import WorkerDeps

    fields = set(WorkerDeps.__dataclass_fields__)
    assert fields == {"config", "db", "redis", "pii", "sms", "minis", "executor"}
