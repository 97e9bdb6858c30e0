"""Production settings: refuse to start without secrets, and pass `check --deploy` cleanly."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789abcdef",
    "ALLOWED_HOSTS": "oshieai.example.jp",
    "DATABASE_URL": "postgres://oshieai@127.0.0.1:5432/oshieai",
    "DJANGO_SETTINGS_MODULE": "literacy.settings.production",
}


def manage(*args, env):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests for their own process; a deployment never has it.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
               "CACHE_URL")
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


def test_production_refuses_to_start_without_postgresql():
    result = manage("check", env={k: v for k, v in SECRETS.items() if k != "DATABASE_URL"})
    assert result.returncode != 0 and "DATABASE_URL must be set" in result.stderr
    result = manage("check", env={**SECRETS, "DATABASE_URL": "sqlite:///oshieai.sqlite3"})
    assert result.returncode != 0 and "must point at PostgreSQL" in result.stderr


CACHE_IN_USE = ("from django.conf import settings; from django.core.cache import caches; "
                "c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'], type(caches['default']).__name__)")


def test_production_uses_redis_for_the_cache_when_cache_url_is_set():
    """allauth's login limits and the API throttles must count in one place for every worker."""
    result = manage("shell", "-c", CACHE_IN_USE, env={**SECRETS, "CACHE_URL": "redis://127.0.0.1:6379/1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/1",
                                     "RedisCache"]


def test_production_without_cache_url_shares_the_database_not_a_workers_memory():
    result = manage("shell", "-c", CACHE_IN_USE, env=SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["django.core.cache.backends.db.DatabaseCache", "oshieai_cache", "DatabaseCache"]


def test_a_cache_url_of_an_unknown_kind_refuses_to_start():
    result = manage("check", env={**SECRETS, "CACHE_URL": "memcached://127.0.0.1:11211"})
    assert result.returncode != 0 and "CACHE_URL must start with redis://" in result.stderr


def test_pages_carry_security_headers(client, db):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


PROXIES_IN_USE = ("from django.conf import settings; from rest_framework.settings import api_settings; "
                  "print(settings.TRUSTED_PROXY_COUNT, api_settings.NUM_PROXIES)")


def test_production_reads_the_clients_address_from_the_shipped_nginx():
    """Behind nginx on a unix socket REMOTE_ADDR is empty: one proxy is trusted by default, for the
    API's throttles as for the lock-outs and the audit log; a deployment without nginx says 0."""
    result = manage("shell", "-c", PROXIES_IN_USE, env=SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["1", "1"]
    result = manage("shell", "-c", PROXIES_IN_USE, env={**SECRETS, "TRUSTED_PROXY_COUNT": "0"})
    assert result.stdout.splitlines()[-1].split() == ["0", "0"]
