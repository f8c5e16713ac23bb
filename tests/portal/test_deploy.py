"""Production settings pass Django's deployment checks when the documented variables are set, and
refuse to start without them."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "JAKAMO_ENV": "production",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "portal.example.com",
    "DATABASE_URL": "sqlite:////tmp/never-opened.sqlite3",
    "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE=",
}


def manage(*args, env):
    # Only the machine's basics: nothing the test run itself set (e.g. the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses).
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_in_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_a_blank_database_url_is_refused_in_plain_words():
    result = manage("check", env={**PRODUCTION_ENV, "DATABASE_URL": ""})
    assert result.returncode != 0 and "DATABASE_URL is set but says no database" in result.stderr, result.stderr


def test_the_sandbox_is_off_in_production_by_default():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.SANDBOX_ENABLED)", env=PRODUCTION_ENV
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_every_answer_says_how_long_the_server_took(client, db):
    response = client.get("/health/")
    name, _, duration = response["Server-Timing"].partition(";dur=")
    assert name == "app" and float(duration) >= 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_answers() -> bool:
    try:
        import psycopg

        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
        return True
    except Exception:
        return False


@pytest.mark.skipif(not postgres_answers(), reason="needs PostgreSQL at 127.0.0.1:5432 (CI and the dev machines)")
def test_the_production_like_stack_serves_pages_and_runs_the_cluster(tmp_path):
    """make prodlike: production settings on PostgreSQL, gunicorn and the task cluster from the
    Procfile; healthy once the cluster's first scheduled task ran."""
    import requests

    port = free_port()
    log = (tmp_path / "stack.log").open("w")
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    stack = subprocess.Popen(
        ["deploy/local-stack.sh"],
        cwd=ROOT,
        env={
            **clean,
            "PORT": str(port),
            "PRODLIKE_DB": "postgres://postgres@127.0.0.1:5432/jakamo_prodlike_test",
            # A Redis database of its own: a second stack on the same Redis would take its tasks.
            "PRODLIKE_REDIS": "redis://127.0.0.1:6379/4",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = None
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            try:
                health = requests.get(base + "/health/", timeout=5)
                if health.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert stack.poll() is None, (tmp_path / "stack.log").read_text()[-3000:]
            time.sleep(2)
        assert health is not None and health.status_code == 200, (tmp_path / "stack.log").read_text()[-3000:]
        assert health.json()["database"]["vendor"] == "postgresql" and health.json()["cluster"]["ok"]
        login = requests.get(base + "/accounts/login/", timeout=5)
        assert login.status_code == 200 and "csrftoken" in login.cookies
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login.text).group(1)
        assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), "production serves hashed static names"
        assert requests.get(base + stylesheet, timeout=5).status_code == 200
        assert requests.get(base + "/sandbox/", timeout=5, allow_redirects=False).status_code == 302
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        stack.wait(30)


def test_the_deployment_guide_names_every_setting_read_from_the_environment():
    settings_code = (ROOT / "jakamo_portal/settings.py").read_text() + (ROOT / "deploy/gunicorn.conf.py").read_text()
    names = set(re.findall(r'env\.\w+\("([A-Z_]+)"', settings_code))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_code))
    guide = (ROOT / "docs/deployment.md").read_text()
    assert len(names) > 40
    assert sorted(n for n in names if f"`{n}`" not in guide) == []
