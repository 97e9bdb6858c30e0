"""The shipped deployment files are valid, and docs/deploy.md describes exactly them and every setting."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCS = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
SITE = DEPLOY / "nginx" / "oshieai.conf"
ENV_EXAMPLE = DEPLOY / "oshieai.env.example"

SETTINGS_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|env_bool|env_list|env_int|_required)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)


def variables_read_by_settings() -> set[str]:
    found = set()
    for path in (ROOT / "literacy" / "settings").glob("*.py"):
        for match in SETTINGS_READ.finditer(path.read_text(encoding="utf-8")):
            found.add(match[1] or match[2])
    return found


def test_the_settings_scan_finds_what_it_should():
    # If this fails the scan is broken, not the docs: it must see the variables we know are read.
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DEBUG", "TWILIO_AUTH_TOKEN", "EMAIL_PORT"} <= (
        variables_read_by_settings())


@pytest.mark.parametrize("variable", sorted(variables_read_by_settings()))
def test_every_setting_is_documented_with_its_default(variable):
    rows = [line for line in DOCS.splitlines() if line.startswith(f"| `{variable}` |")]
    assert rows, f"{variable} is read in literacy/settings but missing from the reference in docs/deploy.md"
    assert len(rows[0].split("|")) >= 5 and rows[0].split("|")[2].strip(), f"{variable} needs a default"


@pytest.mark.parametrize("variable", sorted(variables_read_by_settings()))
def test_every_setting_is_in_the_example_environment_file(variable):
    assert re.search(rf"^#?{variable}=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE), variable


def test_the_example_environment_file_reads_in_a_shell_too(tmp_path):
    """systemd reads it as EnvironmentFile; docs/deploy.md also sources it in sh for manage.py."""
    script = f"set -a; . {ENV_EXAMPLE}; set +a; printf '%s' \"$DEFAULT_FROM_EMAIL|$DJANGO_SETTINGS_MODULE\""
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout == "スマホ相談 <smartphone@example.lg.jp>|literacy.settings.production"


def test_docs_describe_exactly_the_shipped_files():
    shipped = {str(path.relative_to(ROOT)) for path in DEPLOY.rglob("*") if path.is_file()}
    mentioned = set(re.findall(r"`(deploy/[\w./-]+)`", DOCS))
    assert shipped - mentioned == set(), "shipped but not described in docs/deploy.md"
    globbed = {m for m in mentioned if "*" not in m}
    assert globbed - shipped == set(), "described in docs/deploy.md but not shipped"


def test_every_unit_the_docs_start_is_shipped():
    started = set(re.findall(r"\b(oshieai-[a-z]+)\b", DOCS)) - {"oshieai-backup"}
    assert started == {path.stem for path in UNITS}


def test_units_and_site_agree_on_paths():
    web = (DEPLOY / "systemd" / "oshieai-web.service").read_text()
    site = SITE.read_text()
    socket = re.search(r"--bind unix:(\S+)", web)[1]
    assert f"server unix:{socket} " in site
    assert "alias /srv/oshieai/staticfiles/;" in site  # STATIC_ROOT = BASE_DIR / "staticfiles"
    for unit in UNITS:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/oshieai/oshieai.env" in text and "User=oshieai" in text
        assert "DJANGO_SETTINGS_MODULE=literacy.settings.production" in text


def _tool(name):
    path = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None)
    if path is None:
        if os.environ.get("REQUIRE_DEPLOY_TOOLS"):
            pytest.fail(f"{name} is required here (REQUIRE_DEPLOY_TOOLS is set) but is not installed")
        pytest.skip(f"{name} is not installed here (Debian: apt-get install {name}); the file is checked where it is")
    return path


def test_nginx_site_passes_nginx_t(tmp_path):
    nginx = _tool("nginx")
    openssl = _tool("openssl")
    certs, logs = tmp_path / "certs", tmp_path / "logs"
    certs.mkdir()
    logs.mkdir()
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=oshieai.example.lg.jp",
                    "-days", "1", "-keyout", certs / "privkey.pem", "-out", certs / "fullchain.pem"],
                   check=True, capture_output=True)
    # The site exactly as shipped, with only the paths that need root moved under tmp_path.
    site = SITE.read_text().replace("/etc/letsencrypt/live/oshieai.example.lg.jp", str(certs))
    site = site.replace("/var/log/nginx", str(logs))
    (tmp_path / "oshieai.conf").write_text(site)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    temp_paths = "\n".join(f"{kind}_temp_path {tmp_path / kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {logs / 'error.log'};\nevents {{}}\n"
        f"http {{\n{mime}\naccess_log {logs / 'access.log'};\n{temp_paths}\ninclude {tmp_path / 'oshieai.conf'};\n}}\n"
    )
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_t_catches_a_broken_site(tmp_path):
    """The check above can fail: the same harness rejects a site with a typo."""
    nginx = _tool("nginx")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{ server {{ listen 8080; proxy_pas http://x; }} }}\n")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "proxy_pas" in result.stderr


def _verify_units(tmp_path, units):
    """systemd-analyze verify on the units with /srv/oshieai moved to tmp_path (it checks that
    ExecStart's program exists and is executable: stand-ins are created there)."""
    tool = _tool("systemd-analyze")
    app = tmp_path / "srv"
    (app / ".venv" / "bin").mkdir(parents=True)
    for program in ("python", "gunicorn", "celery"):
        stand_in = app / ".venv" / "bin" / program
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
    copies = []
    for unit in units:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/srv/oshieai", str(app)))
        copies.append(str(copy))
    return subprocess.run([tool, "verify", *copies], capture_output=True, text=True)


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    assert {u.stem for u in UNITS} == {"oshieai-web", "oshieai-worker", "oshieai-celery", "oshieai-celerybeat"}
    result = _verify_units(tmp_path, UNITS)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_systemd_verify_catches_a_broken_unit(tmp_path):
    broken = tmp_path / "in" / "oshieai-broken.service"
    broken.parent.mkdir()
    broken.write_text((DEPLOY / "systemd" / "oshieai-web.service").read_text()
                      .replace("Type=notify", "Type=sometimes").replace(".venv/bin/gunicorn", ".venv/bin/nope"))
    result = _verify_units(tmp_path, [broken])
    assert result.returncode != 0 or result.stderr.strip()
