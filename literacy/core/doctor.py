"""Checks of a running installation, each saying in plain words what is wrong and how to fix it.

Used by `python manage.py doctor`. A check returns Findings: ERROR must be fixed before the
city relies on the service (the command exits non-zero), WARNING deserves a look, OK is fine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http.request import validate_host
from django.utils import timezone

OK = "ok"
WARNING = "warning"
ERROR = "error"

ENV_FILE = "/etc/oshieai/oshieai.env"
KNOWN_UNSAFE_KEYS = {"dev-only-not-secret-oshieai", "test-only-not-secret-oshieai", "change-me"}
TWILIO_ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")
TWILIO_MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-f]{32}")
TWILIO_AUTH_TOKEN = re.compile(r"[0-9a-f]{32}")
LOCAL_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
TWILIO_WEBHOOK_PATHS = ("/twilio/voice/", "/twilio/sms/", "/twilio/status/")


@dataclass(frozen=True)
class Finding:
    level: str
    what: str
    fix: str = ""


def run_checks(*, network: bool = True) -> list[Finding]:
    """Every check, in the order a person would fix them. `network=False` skips broker/SMTP dials."""
    findings: list[Finding] = []
    database_ok = _extend(findings, check_database())
    if database_ok or not settings.CACHES["default"]["BACKEND"].endswith("db.DatabaseCache"):
        findings += check_cache(network=network)
    findings += check_secret_key()
    findings += check_debug_and_hosts()
    findings += check_time_zone()
    findings += check_static_files()
    findings += check_email(network=network)
    findings += check_broker(network=network)
    findings += check_twilio()
    if database_ok:
        findings += check_migrations()
        if not any(f.level == ERROR and "migration" in f.what for f in findings):
            findings += check_program_data()
            findings += check_worker_heartbeat()
    return findings


def _extend(findings: list[Finding], new: list[Finding]) -> bool:
    findings += new
    return all(f.level != ERROR for f in new)


def check_database() -> list[Finding]:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return [Finding(ERROR, f"The database cannot be reached ({connection.vendor}): {error}".strip(),
                        "Check that PostgreSQL is running (systemctl status postgresql) and that "
                        f"DATABASE_URL in {ENV_FILE} has the right host, name, user and password.")]
    finding = Finding(OK, f"Database reachable ({connection.vendor}).")
    if connection.vendor == "sqlite" and not settings.DEBUG:
        return [finding, Finding(WARNING, "The database is SQLite.",
                                 "Fine for a trial; for the city's service set DATABASE_URL=postgres://… "
                                 "(see docs/deploy.md, 'PostgreSQL').")]
    return [finding]


PER_PROCESS_CACHES = ("locmem.LocMemCache", "dummy.DummyCache")


def check_cache(*, network: bool) -> list[Finding]:
    """Failed-login limits and API throttles count in the cache: it must be shared and usable."""
    from django.core.cache import cache

    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(PER_PROCESS_CACHES):
        if settings.DEBUG:
            return [Finding(OK, "Cache: this process's memory (development).")]
        return [Finding(WARNING, "The cache is each process's own memory: with several web workers, failed-login "
                                 "limits and API throttles are counted per worker.",
                        f"Set CACHE_URL=redis://127.0.0.1:6379/1 in {ENV_FILE} (or leave it empty with the "
                        "production settings, which use the database), then restart oshieai-web.")]
    if backend.endswith("redis.RedisCache") and not network:
        return []
    try:
        # In a savepoint: a missing cache table must not break the checks that follow (PostgreSQL).
        with transaction.atomic():
            cache.set("doctor:probe", "ok", 30)
            works = cache.get("doctor:probe") == "ok"
    except Exception as error:  # each backend raises its own errors (redis, database)
        works, detail = False, f": {error}"
    else:
        detail = ""
    if not works:
        return [Finding(ERROR, f"The cache ({backend.rsplit('.', 1)[-1]}) cannot be used{detail}".strip(),
                        "For the database cache run: python manage.py createcachetable. For Redis, start it "
                        "(systemctl status redis-server) or correct CACHE_URL.")]
    return [Finding(OK, f"Cache shared by every worker ({backend.rsplit('.', 1)[-1]}).")]


def check_migrations() -> list[Finding]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        return [Finding(ERROR, f"{len(plan)} database migration(s) not applied: {names}{more}.",
                        "Run: python manage.py migrate")]
    return [Finding(OK, "All database migrations are applied.")]


def check_secret_key() -> list[Finding]:
    key = settings.SECRET_KEY or ""
    fix = ("Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))' "
           f"and set SECRET_KEY in {ENV_FILE}, then restart oshieai-web.")
    if not key:
        return [Finding(ERROR, "SECRET_KEY is not set.", fix)]
    if key in KNOWN_UNSAFE_KEYS or key.startswith("django-insecure-"):
        return [Finding(ERROR, "SECRET_KEY is a development key published in the source code.", fix)]
    if len(key) < 50 or len(set(key)) < 5:
        return [Finding(ERROR, f"SECRET_KEY is too weak ({len(key)} characters; needs at least 50, varied).", fix)]
    return [Finding(OK, "SECRET_KEY is strong.")]


def check_debug_and_hosts() -> list[Finding]:
    findings = []
    if settings.DEBUG:
        findings.append(Finding(ERROR, "DEBUG is on: error pages would show residents' data to anyone.",
                                f"Remove DEBUG from {ENV_FILE} (or set DEBUG=false) and use "
                                "DJANGO_SETTINGS_MODULE=literacy.settings.production."))
    site = urlsplit(settings.SITE_URL)
    host = site.hostname or ""
    if not host:
        findings.append(Finding(ERROR, f"SITE_URL is not a URL ({settings.SITE_URL!r}).",
                                "Set SITE_URL to the public address, e.g. https://oshieai.city.example.lg.jp"))
        return findings
    if not validate_host(host, settings.ALLOWED_HOSTS):
        findings.append(Finding(ERROR, f"SITE_URL's host {host} is not in ALLOWED_HOSTS {settings.ALLOWED_HOSTS}: "
                                       "every page and every Twilio webhook would answer 400.",
                                f"Add {host} to ALLOWED_HOSTS in {ENV_FILE}."))
    if site.scheme != "https" and not settings.DEBUG:
        findings.append(Finding(ERROR, f"SITE_URL is not https ({settings.SITE_URL}).",
                                "Set SITE_URL=https://… : links in emails and Twilio's webhooks must use TLS."))
    if not findings:
        findings.append(Finding(OK, f"Public address {settings.SITE_URL} matches ALLOWED_HOSTS."))
    return findings


def check_time_zone() -> list[Finding]:
    if settings.TIME_ZONE != "Asia/Tokyo" or not settings.USE_TZ:
        return [Finding(ERROR, f"TIME_ZONE is {settings.TIME_ZONE} (USE_TZ={settings.USE_TZ}).",
                        "Oshieai schedules lessons and quiet hours in Japan time: keep TIME_ZONE = 'Asia/Tokyo' "
                        "and USE_TZ = True in literacy/settings/base.py.")]
    return [Finding(OK, "Time zone is Asia/Tokyo.")]


def check_static_files() -> list[Finding]:
    if settings.DEBUG:
        return []
    root = Path(settings.STATIC_ROOT)
    if not root.is_dir() or not any(root.iterdir()):
        return [Finding(ERROR, f"Static files have not been collected into {root}: pages would have no styles.",
                        "Run: python manage.py collectstatic --noinput")]
    return [Finding(OK, "Static files are collected.")]


def check_email(*, network: bool) -> list[Finding]:
    backend = settings.EMAIL_BACKEND
    if backend in LOCAL_EMAIL_BACKENDS:
        level = WARNING if settings.DEBUG else ERROR
        return [Finding(level, f"Email is not sent anywhere (EMAIL_BACKEND={backend.rsplit('.', 2)[-2]}): "
                               "volunteers would get no invitations, calendar invites or password resets.",
                        f"Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST, EMAIL_PORT, "
                        f"EMAIL_HOST_USER, EMAIL_HOST_PASSWORD in {ENV_FILE}.")]
    findings = []
    if "example" in settings.DEFAULT_FROM_EMAIL:
        findings.append(Finding(WARNING, f"DEFAULT_FROM_EMAIL is a placeholder ({settings.DEFAULT_FROM_EMAIL}).",
                                "Set DEFAULT_FROM_EMAIL to the city's sender, e.g. 'スマホ相談 <smartphone@city.example.lg.jp>'."))
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        host, port = getattr(settings, "EMAIL_HOST", ""), getattr(settings, "EMAIL_PORT", 25)
        if not host:
            return [*findings, Finding(ERROR, "EMAIL_HOST is empty.", f"Set EMAIL_HOST in {ENV_FILE}.")]
        if network:
            from django.core.mail import get_connection

            try:
                mail_connection = get_connection(timeout=5)
                mail_connection.open()
                mail_connection.close()
            except (OSError, Exception) as error:  # smtplib raises several unrelated classes
                return [*findings, Finding(ERROR, f"The mail server {host}:{port} does not answer: {error}",
                                           "Check EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS, the user and password, "
                                           "and that the firewall allows outgoing SMTP.")]
        findings.append(Finding(OK, f"Email goes through {host}:{port}."))
    else:
        findings.append(Finding(OK, f"Email backend: {backend}."))
    return findings


def check_broker(*, network: bool) -> list[Finding]:
    url = settings.CELERY_BROKER_URL
    if not url:
        return [Finding(OK, "No Celery broker configured: the embedded worker (manage.py run_worker) does the work.")]
    if not network:
        return []
    from kombu import Connection

    shown = _without_password(url)
    try:
        with Connection(url, connect_timeout=3) as broker:
            broker.ensure_connection(max_retries=1, timeout=3)
    except Exception as error:  # kombu wraps each transport's own errors differently
        return [Finding(ERROR, f"The Celery broker {shown} cannot be reached: {error}",
                        "Start it (systemctl status redis-server) or correct CELERY_BROKER_URL; "
                        "or remove CELERY_BROKER_URL to use the embedded worker instead.")]
    return [Finding(OK, f"Celery broker {shown} is reachable.")]


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def check_twilio() -> list[Finding]:
    if settings.SMS_PROVIDER != "twilio":
        level = WARNING if not settings.DEBUG else OK
        return [Finding(level, f"SMS and voice calls go to the '{settings.SMS_PROVIDER}' provider, not to phones.",
                        "For the real service set SMS_PROVIDER=twilio and the TWILIO_* variables." if level == WARNING
                        else "")]
    findings = []
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    console = "Copy it from the Twilio console (Account › API keys & tokens)."
    if not TWILIO_ACCOUNT_SID.fullmatch(sid or ""):
        findings.append(Finding(ERROR, "TWILIO_ACCOUNT_SID is missing or malformed (it is 'AC' and 32 hex digits).",
                                console))
    if not TWILIO_AUTH_TOKEN.fullmatch(token or ""):
        findings.append(Finding(ERROR, "TWILIO_AUTH_TOKEN is missing or malformed (it is 32 hex digits).", console))
    service, number = settings.TWILIO_MESSAGING_SERVICE_SID, settings.TWILIO_FROM_NUMBER
    if service and not TWILIO_MESSAGING_SERVICE_SID.fullmatch(service):
        findings.append(Finding(ERROR, "TWILIO_MESSAGING_SERVICE_SID is malformed (it is 'MG' and 32 hex digits).",
                                "Copy it from Messaging › Services in the Twilio console, or leave it empty."))
    if not re.fullmatch(r"\+[1-9]\d{6,14}", number or ""):
        findings.append(Finding(ERROR, "TWILIO_FROM_NUMBER is missing or not in E.164 form (e.g. +815012345678).",
                                "Set it to the program's Twilio number: calls and texts come from it."))
    if getattr(settings, "TWILIO_WEBHOOKS_ALLOW_UNSIGNED", False):
        findings.append(Finding(ERROR, "TWILIO_WEBHOOKS_ALLOW_UNSIGNED is on: anyone could post fake calls and texts.",
                                f"Remove it from {ENV_FILE}."))
    base = settings.SITE_URL.rstrip("/")
    urls = ", ".join(base + path for path in TWILIO_WEBHOOK_PATHS)
    if not findings:
        findings.append(Finding(OK, "Twilio credentials are present and well-formed."))
    findings.append(Finding(OK, f"Twilio webhooks to configure on the number: {urls} "
                                "(signatures are checked against these exact URLs)."))
    return findings


def check_program_data() -> list[Finding]:
    from literacy.accounts.models import CoordinatorRole
    from literacy.people.models import Volunteer
    from literacy.places.models import Municipality, Venue

    findings = []
    municipalities = Municipality.objects.count()
    if not municipalities:
        findings.append(Finding(ERROR, "There is no municipality yet.",
                                "Create it with the first coordinator: python manage.py create_coordinator "
                                "--email you@city.example.lg.jp --municipality <JIS code> --municipality-name <name>"))
    else:
        findings.append(Finding(OK, f"{municipalities} municipality(ies)."))
    coordinators = CoordinatorRole.objects.count()
    if municipalities and not coordinators:
        findings.append(Finding(ERROR, "No coordinator account: nobody can work the queue.",
                                "Run: python manage.py create_coordinator --email … --municipality <JIS code>"))
    elif coordinators:
        findings.append(Finding(OK, f"{coordinators} coordinator(s)."))
    if municipalities and not Venue.objects.filter(is_active=True).exists():
        findings.append(Finding(ERROR, "No venue: nothing can be booked.",
                                "Import them: python manage.py import_csv venues venues.csv --municipality <JIS code> "
                                "(districts first), or use /city/import/."))
    elif municipalities:
        findings.append(Finding(OK, "Venues exist."))
    if municipalities and not Volunteer.objects.approved().exists():
        findings.append(Finding(ERROR, "No approved volunteer: no lesson can be offered to anyone.",
                                "Import the roster: python manage.py import_csv volunteers roster.xlsx "
                                "--municipality <JIS code>, or approve applicants in /city/."))
    elif municipalities:
        findings.append(Finding(OK, "Approved volunteers exist."))
    return findings


def check_worker_heartbeat() -> list[Finding]:
    from literacy.operations.health import heartbeat_max_age
    from literacy.operations.selectors import latest_heartbeat

    beat = latest_heartbeat()
    fix = ("Start it: systemctl start oshieai-worker (or oshieai-celery and oshieai-celerybeat); "
           "journalctl -u oshieai-worker shows why it stopped.")
    if beat is None:
        return [Finding(WARNING, "No background worker has reported yet: reminders and offers are not being sent.",
                        fix)]
    age = timezone.now() - beat.beat_at
    if age > heartbeat_max_age():
        return [Finding(ERROR, f"The background worker '{beat.name}' last reported {int(age.total_seconds() // 60)} "
                               "minutes ago: reminders and offers are not being sent.", fix)]
    return [Finding(OK, f"Background worker '{beat.name}' is alive.")]
