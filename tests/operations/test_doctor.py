"""manage.py doctor: a healthy installation passes; each broken piece is reported with its fix."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.utils import timezone

from literacy.accounts.models import CoordinatorRole
from literacy.operations.services import heartbeat_record
from literacy.people.models import Volunteer
from literacy.places.models import Venue
from tests.operations.fake_smtp import closed_port, fake_smtp_server, redis_reachable

STRONG_KEY = "k3Jx9-Qw7Lm2Zp8Vt4Rb6Yc1Hn5Ds0Gf-Ea3Wu7Io9Pk2Mj4Xl6Nq8Tz1Cv5By0"


@pytest.fixture
def healthy(settings, tmp_path, volunteer, coordinator, venue):
    """Settings and data of a correctly installed city; yields the settings to break one piece."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body{}")
    settings.SECRET_KEY = STRONG_KEY
    settings.DEBUG = False
    settings.SITE_URL = "https://oshieai.city.example.lg.jp"
    settings.ALLOWED_HOSTS = ["oshieai.city.example.lg.jp"]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.DEFAULT_FROM_EMAIL = "スマホ相談 <smartphone@city.yame.lg.jp>"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15" if redis_reachable() else ""
    settings.SMS_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
    settings.TWILIO_AUTH_TOKEN = "fedcba9876543210" * 2
    settings.TWILIO_FROM_NUMBER = "+815012345678"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_WEBHOOKS_ALLOW_UNSIGNED = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "oshieai_cache"}}
    call_command("createcachetable", verbosity=0)
    heartbeat_record(name="run_worker")
    with fake_smtp_server() as port:
        settings.EMAIL_PORT = port
        yield settings


def doctor():
    """(exit code, output) as a person running the command would see them."""
    out = io.StringIO()
    try:
        call_command("doctor", stdout=out)
    except CommandError as error:
        return 1, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_a_healthy_installation_passes(healthy):
    code, output = doctor()
    assert code == 0, output
    warnings = 1 if connection.vendor == "sqlite" else 0  # "The database is SQLite."
    assert "FAIL" not in output and f"Healthy: nothing must be fixed ({warnings} warning(s))." in output
    assert "https://oshieai.city.example.lg.jp/twilio/voice/" in output
    assert "https://oshieai.city.example.lg.jp/twilio/status/" in output


@pytest.mark.skipif(not redis_reachable(), reason="needs a Redis on 127.0.0.1:6379")
def test_a_reachable_broker_is_reported(healthy):
    assert "Celery broker redis://127.0.0.1:6379/15 is reachable." in doctor()[1]


BROKEN_SETTINGS = {
    "weak secret": ({"SECRET_KEY": "short-secret"}, "SECRET_KEY is too weak (12 characters", "secrets.token_urlsafe(64)"),
    "dev secret": ({"SECRET_KEY": "dev-only-not-secret-oshieai"}, "development key", "set SECRET_KEY"),
    "debug": ({"DEBUG": True}, "DEBUG is on", "DEBUG=false"),
    "host": ({"ALLOWED_HOSTS": ["localhost"]}, "not in ALLOWED_HOSTS", "Add oshieai.city.example.lg.jp to ALLOWED_HOSTS"),
    "http": ({"SITE_URL": "http://oshieai.city.example.lg.jp"}, "SITE_URL is not https", "SITE_URL=https://"),
    "time zone": ({"TIME_ZONE": "UTC"}, "TIME_ZONE is UTC", "Asia/Tokyo"),
    "console email": ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
                      "Email is not sent anywhere", "EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend"),
    "no email host": ({"EMAIL_HOST": ""}, "EMAIL_HOST is empty", "Set EMAIL_HOST"),
    "smtp down": ({"EMAIL_PORT": "closed"}, "does not answer", "Check EMAIL_HOST, EMAIL_PORT"),
    "broker down": ({"CELERY_BROKER_URL": "redis://:s3cret@127.0.0.1:closed/0"}, "cannot be reached",
                    "systemctl status redis-server"),
    "twilio sid": ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_ACCOUNT_SID is missing or malformed", "Twilio console"),
    "twilio token": ({"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN is missing or malformed", "Twilio console"),
    "twilio number": ({"TWILIO_FROM_NUMBER": "050-1234-5678"}, "TWILIO_FROM_NUMBER is missing or not in E.164",
                      "program's Twilio number"),
    "twilio service": ({"TWILIO_MESSAGING_SERVICE_SID": "XX1"}, "TWILIO_MESSAGING_SERVICE_SID is malformed",
                       "leave it empty"),
    "unsigned webhooks": ({"TWILIO_WEBHOOKS_ALLOW_UNSIGNED": True}, "TWILIO_WEBHOOKS_ALLOW_UNSIGNED is on", "Remove it"),
}


@pytest.mark.parametrize("broken", list(BROKEN_SETTINGS))
def test_each_broken_setting_is_reported_with_its_fix(healthy, broken):
    overrides, problem, fix = BROKEN_SETTINGS[broken]
    for name, value in overrides.items():
        if isinstance(value, str) and "closed" in value:
            value = value.replace("closed", str(closed_port())) if value != "closed" else closed_port()
        setattr(healthy, name, value)
    code, output = doctor()
    assert code == 1
    failing = [line for line in output.splitlines() if line.startswith(" FAIL ")]
    assert len(failing) == 1, output
    assert problem in failing[0]
    fix_line = output.splitlines()[output.splitlines().index(failing[0]) + 1]
    assert fix_line.strip().startswith("fix:") and fix in fix_line
    assert "s3cret" not in output  # a broker password is never printed


def test_uncollected_static_files(healthy, tmp_path):
    healthy.STATIC_ROOT = tmp_path / "nothing-here"
    code, output = doctor()
    assert code == 1 and "Static files have not been collected" in output and "collectstatic --noinput" in output


BROKEN_DATA = {
    "no coordinator": (lambda: CoordinatorRole.objects.all().delete(), "No coordinator account", "create_coordinator"),
    "no venue": (lambda: Venue.objects.update(is_active=False), "No venue", "import_csv venues"),
    "no volunteer": (lambda: Volunteer.objects.update(status=Volunteer.Status.PAUSED), "No approved volunteer",
                     "import_csv volunteers"),
    "stale worker": (lambda: heartbeat_record(name="run_worker", now=timezone.now() - dt.timedelta(minutes=30)),
                     "last reported 30 minutes ago", "systemctl start oshieai-worker"),
}


@pytest.mark.parametrize("broken", list(BROKEN_DATA))
def test_each_missing_piece_of_data_is_reported(healthy, broken):
    break_it, problem, fix = BROKEN_DATA[broken]
    break_it()
    code, output = doctor()
    assert code == 1
    assert problem in output and fix in output, output


def test_no_municipality_at_all(healthy):
    from literacy.places.models import District, Municipality

    Venue.objects.all().delete()
    District.objects.all().delete()
    Municipality.objects.all().delete()
    code, output = doctor()
    assert code == 1 and "There is no municipality yet." in output and "--municipality-name" in output


def test_unapplied_migrations(healthy):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'operations'")
    code, output = doctor()
    assert code == 1
    assert "1 database migration(s) not applied: operations.0001_initial." in output
    assert "python manage.py migrate" in output


def test_unreachable_database(healthy, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "ensure_connection", refuse)
        code, output = doctor()
    assert code == 1
    assert "The database cannot be reached" in output and "DATABASE_URL" in output


def test_a_worker_that_never_started_is_a_warning(healthy):
    from literacy.operations.models import WorkerHeartbeat

    WorkerHeartbeat.objects.all().delete()
    code, output = doctor()
    assert code == 0
    assert " WARN  No background worker has reported yet" in output


def test_a_cache_in_each_workers_memory_is_a_warning(healthy):
    healthy.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    code, output = doctor()
    assert code == 0 and "failed-login limits and API throttles are counted per worker" in output
    assert "CACHE_URL=redis://127.0.0.1:6379/1" in output


def test_a_database_cache_without_its_table_is_an_error(healthy):
    healthy.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                  "LOCATION": "no_such_cache_table"}}
    code, output = doctor()
    assert code == 1 and "The cache (DatabaseCache) cannot be used" in output
    assert "createcachetable" in output


@pytest.mark.skipif(not redis_reachable(), reason="needs a Redis on 127.0.0.1:6379")
def test_a_reachable_redis_cache_is_reported(healthy):
    healthy.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                  "LOCATION": "redis://127.0.0.1:6379/15"}}
    assert "Cache shared by every worker (RedisCache)." in doctor()[1]
