"""deploy/compose.yaml, prometheus.yml and alerts.yml checked against the code: the services, the
variables config.py reads, what production requires, health checks, the scraped ports, and
alert rules that name metrics the code exports."""

import pathlib
import re
import secrets

import pytest
import redis.asyncio as aioredis
import yaml
from prometheus_client import REGISTRY

from config import ConfigError, Settings, environment_names
from push import stream_metrics

DEPLOY = pathlib.Path(__file__).resolve().parent.parent / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
PROMETHEUS = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
INTERPOLATED = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")
APP = ("api", "worker")


def app_services() -> dict:
    """Services that run this repository's image (each reads its settings from config.py)."""
    found = {name: s for name, s in SERVICES.items() if s.get("build", {}).get("dockerfile") == "Dockerfile"}
    assert set(APP) <= set(found)
    return found


def filled(environment: dict) -> dict:
    """The environment as a container would get it, each ${NAME} filled with a random hex value
    (or its default, when it has one: numbers stay numbers; WeChat's EncodingAESKey is 43 characters)."""
    values: dict[str, str] = {"WECHAT_PUSH_AES_KEY": secrets.token_hex(22)[:43]}

    def value(m):
        default = m.group(3) if m.group(2) == "-" else ""
        return values.setdefault(m.group(1), default or secrets.token_hex(32))

    return {k: INTERPOLATED.sub(value, str(v)) for k, v in environment.items()}


def strings(node) -> list[str]:
    """Every key and value in a parsed YAML document (its comments are gone)."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (str(k), *strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return [str(node)]


def command(service: str) -> list[str]:
    return [str(part) for part in SERVICES[service]["command"]]


def test_the_services_and_their_commands():
    mongos = [name for name in SERVICES if re.fullmatch(r"mongo\d", name)]
    assert len(mongos) == 3
    for name in mongos:
        assert SERVICES[name]["image"].startswith("mongo:8.0")
        args = command(name)
        assert args[args.index("--replSet") + 1] == "rs0" and "--keyFile" in args
        assert any(v.endswith(":/data/db") for v in SERVICES[name]["volumes"])
    init = SERVICES["mongo-init"]
    assert {f"mongo{i}" for i in (1, 2, 3)} <= set(init["depends_on"])
    script = (DEPLOY / "mongo-init.js").read_text()
    assert "rs.initiate" in script and all(f"mongo{i}:27017" in script for i in (1, 2, 3))

    redis_args = command("redis")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert redis_args[redis_args.index("--appendonly") + 1] == "yes"
    assert any(v.endswith(":/data") for v in SERVICES["redis"]["volumes"])

    assert command("api")[:3] == ["python", "-m", "api"]
    assert command("worker") == ["python", "-m", "push.worker"]
    for name in APP:
        build = SERVICES[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()  # the repository's Dockerfile
        assert SERVICES[name]["depends_on"]["mongo-init"]["condition"] == "service_completed_successfully"
    assert "prometheus" in SERVICES
    assert "location = /metrics" in (DEPLOY / "nginx.conf").read_text()  # not public through the proxy


def test_app_variables_are_the_ones_config_reads():
    known = environment_names()
    for name, service in app_services().items():
        unknown = set(service["environment"]) - known
        assert not unknown, f"{name}: config.py reads no {sorted(unknown)}"


def test_production_gets_everything_it_requires():
    for name in APP:
        env = filled(SERVICES[name]["environment"])
        settings = Settings.from_mapping(env)  # check() passes: nothing required is missing
        assert settings.mode == "production" and not settings.mount_sandbox and settings.metrics_token
        assert "replicaSet=rs0" in env["MONGODB_URI"] and all(f"mongo{i}:27017" in env["MONGODB_URI"] for i in (1, 2, 3))
        required = set()
        for key in env:
            try:
                Settings.from_mapping({k: v for k, v in env.items() if k != key})
            except ConfigError:
                required.add(key)
        assert {"JWT_SECRET", "PII_HMAC_KEY", "PII_ENC_KEY", "MONGODB_URI", "REDIS_URL"} <= required


def test_secrets_come_from_the_env_file_never_the_compose_file():
    secretive = re.compile(r"SECRET|PASSWORD|TOKEN|KEY|_URI|_URL")
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if secretive.search(key) and value not in ("", None):
                assert "${" in str(value), f"{name}: {key} is written in the compose file"
    example = (DEPLOY / "production.env.example").read_text()
    documented = set(re.findall(r"^(\w+)=", example, re.M))
    used = {m.group(1) for m in INTERPOLATED.finditer(" ".join(strings(COMPOSE)))} | {"METRICS_TOKEN"}
    assert used <= documented, f"not in production.env.example: {sorted(used - documented)}"
    assert not [line for line in example.splitlines() if re.match(r"^\w*(SECRET|PASSWORD|KEY|TOKEN)\w*=.", line)]


def test_every_long_running_service_is_health_checked():
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            continue  # one-shot
        assert service.get("healthcheck", {}).get("test"), name
    probe = " ".join(SERVICES["api"]["healthcheck"]["test"])
    assert "/healthz" in probe and "/readyz" in probe
    assert "ping" in " ".join(SERVICES["mongo1"]["healthcheck"]["test"])
    assert SERVICES["redis"]["healthcheck"]["test"][-1] == "ping"
    assert "/healthz" in " ".join(SERVICES["worker"]["healthcheck"]["test"])


def test_prometheus_scrapes_the_ports_compose_names():
    ports = {"api": SERVICES["api"]["environment"]["PORT"], "worker": SERVICES["worker"]["environment"]["METRICS_PORT"]}
    jobs = {job["job_name"]: job for job in PROMETHEUS["scrape_configs"]}
    for service, port in ports.items():
        job = jobs[service]
        targets = [(name, sd["port"]) for sd in job.get("dns_sd_configs", []) for name in sd["names"]]
        targets += [tuple(t.split(":")) for sc in job.get("static_configs", []) for t in sc["targets"]]
        assert targets and all(host == service and str(p) == str(port) for host, p in targets), (service, targets)
        assert str(port) in SERVICES[service]["expose"]
        # scraped with the token the app checks: the secret is made from the same METRICS_TOKEN
        secret = job["authorization"]["credentials_file"].removeprefix("/run/secrets/")
        assert secret in SERVICES["prometheus"]["secrets"]
        assert COMPOSE["secrets"][secret] == {"environment": "METRICS_TOKEN"}
    mounted = " ".join(SERVICES["prometheus"]["volumes"])
    assert "prometheus.yml:/etc/prometheus/prometheus.yml" in mounted
    for rules in PROMETHEUS["rule_files"]:
        assert f"alerts.yml:{rules}" in mounted


async def test_alert_rules_name_metrics_the_code_exports(redis_server):
    exported = set()
    for family in REGISTRY.collect():
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(family.type, [""])
        exported |= {family.name + s for s in suffixes}
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        exported |= {f.name for f in await stream_metrics.stream_families(client)}
    finally:
        await client.aclose()
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"][0]["rules"]
    assert len(rules) >= 3
    for rule in rules:
        assert rule["alert"] and rule["for"] and rule["annotations"]["summary"]
        named = set(re.findall(r"govservice_\w+", rule["expr"]))
        assert named <= exported, (rule["alert"], named - exported)


@pytest.mark.parametrize("service", APP)
def test_the_app_image_runs_as_configured(service):
    """The command's module exists in the image (the Dockerfile copies it)."""
    module = command(service)[2].split(".")[0]
    assert re.search(rf"^COPY {module}/ ", (DEPLOY.parent / "Dockerfile").read_text(), re.M)


def test_make_run_points_the_sandbox_push_at_the_api():
    """`make run`'s sandbox posts WeChat receipts to the API (auto, safe mode); the tests' does not."""
    from deploy.local import environment
    from sandbox.__main__ import push_receipts
    from sandbox.state import SandboxState

    env = environment(8000)
    assert env["SANDBOX_WECHAT_PUSH_URL"] == "http://127.0.0.1:8000/api/v1/wechat/events"
    settings = Settings.from_mapping({"APP_MODE": "demo", **env})
    state = SandboxState()
    push_receipts(state, settings)
    push = state.wechat_push
    assert (push.push_url, push.auto) == (env["SANDBOX_WECHAT_PUSH_URL"], True)
    assert (push.token, push.aes_key) == (settings.wechat_push_token, settings.wechat_push_aes_key)
    default = SandboxState()
    push_receipts(default, Settings.from_mapping({"APP_MODE": "demo"}))
    assert (default.wechat_push.push_url, default.wechat_push.auto) == (None, False)
