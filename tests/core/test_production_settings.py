"""Production settings: refuse to start without secrets, and pass `check --deploy` cleanly."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789abcdef",
    "ALLOWED_HOSTS": "oshieai.example.jp",
    "DJANGO_SETTINGS_MODULE": "literacy.settings.production",
}


def manage(*args, env):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests for their own process; a deployment never has it.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=SECRETS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", env={k: v for k, v in SECRETS.items() if k != "SECRET_KEY"})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", env={k: v for k, v in SECRETS.items() if k != "ALLOWED_HOSTS"})
    assert result.returncode != 0 and "ALLOWED_HOSTS must be set" in result.stderr


def test_pages_carry_security_headers(client, db):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
