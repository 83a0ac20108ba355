"""deploy/: the compose file is well-formed and complete, the proxy compresses and serves
the hashed static files for a year, and the container starts the app exactly as CI does
(deploy/entrypoint.sh, which tests/test_scale_out.py runs). No container engine needed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"

# The keys of the Compose specification that this file may use (a subset of the schema).
TOP_LEVEL = {"name", "services", "volumes", "networks", "configs", "secrets"}
SERVICE_KEYS = {
    "build", "image", "command", "entrypoint", "environment", "env_file", "ports", "volumes",
    "depends_on", "healthcheck", "restart", "networks", "expose", "user", "working_dir",
    "labels", "logging", "deploy", "stop_grace_period", "profiles",
}  # fmt: skip
DEPENDS_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_file_is_valid():
    compose = _compose()
    assert set(k for k in compose if not k.startswith("x-")) <= TOP_LEVEL
    services = compose["services"]
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        assert set(service) <= SERVICE_KEYS, (name, set(service) - SERVICE_KEYS)
        assert "image" in service or "build" in service, name
        depends = service.get("depends_on") or []
        if isinstance(depends, dict):
            for other, rule in depends.items():
                assert rule["condition"] in DEPENDS_CONDITIONS, (name, other)
        for other in depends:
            assert other in services, (name, other)
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith((".", "/")) or source in declared_volumes, (name, volume)
        if "build" in service:
            build = service["build"]
            assert (DEPLOY / build["context"] / build["dockerfile"]).exists(), name
        health = service.get("healthcheck")
        if health:
            assert health["test"][0] in {"CMD", "CMD-SHELL"}, name
        for key in ("command", "entrypoint"):
            assert isinstance(service.get(key, []), (list, str)), (name, key)


def test_compose_runs_the_whole_site():
    services = _compose()["services"]
    assert {"proxy", "app1", "app2", "worker", "migrate", "postgres", "redis"} <= set(services)
    app1, app2 = dict(services["app1"]), dict(services["app2"])
    assert app1 == app2, "the app instances are identical"
    assert app1["command"] == ["web"] and services["worker"]["command"] == ["worker"]
    assert services["migrate"]["command"] == ["migrate"]
    env = app1["environment"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert "@postgres:5432/" in env["DATABASE_URL"] and env["PROXY_FIX_HOPS"] == "1"
    assert services["worker"]["environment"] == env  # the worker sends what the app queues
    assert app1["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "pg_dump" in " ".join(services["backup"]["command"])


def test_proxy_compresses_and_serves_hashed_static_files_for_a_year():
    for name in ("nginx.conf", "nginx-tls.conf"):
        conf = (DEPLOY / name).read_text()
        assert "gzip on;" in conf and "text/css" in conf and "application/javascript" in conf
        assert re.search(r"location /static/ \{\s*alias /srv/static/;", conf), name
        assert 'default "public, max-age=31536000, immutable";' in conf
        assert "add_header Cache-Control $static_cache_control always;" in conf
        for instance in ("app1", "app2"):
            assert f"server {instance}:8000" in conf
    assert (
        "ssl_certificate /etc/nginx/tls/fullchain.pem;" in (DEPLOY / "nginx-tls.conf").read_text()
    )


def test_container_starts_the_app_as_ci_does():
    containerfile = (DEPLOY / "Containerfile").read_text()
    assert "FROM python:3.11-slim AS app" in containerfile
    # Installed from pyproject.toml as `make install` does (editable, in place).
    assert "RUN pip install -e .\n" in containerfile
    assert "pip install --quiet -e '.[dev]'" in (ROOT / "Makefile").read_text()
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in containerfile
    assert "COPY deploy/nginx.conf" in containerfile and "/srv/static" in containerfile
    # The two-instance test starts its instances with the same script.
    assert (
        '"deploy" / "entrypoint.sh"), "web"' in (ROOT / "tests" / "test_scale_out.py").read_text()
    )
    entrypoint = DEPLOY / "entrypoint.sh"
    subprocess.run(["sh", "-n", str(entrypoint)], check=True)
    text = entrypoint.read_text()
    assert "exec gunicorn" in text and "wsgi:app" in text
    assert "exec flask --app wsgi outbox work" in text
    assert "exec flask --app wsgi db upgrade" in text
