"""`make run PORT=…` hands the address on that port to everything it starts (seed_demo prints
it, the web server and the worker put it in links), unless SITE_URL is set already.

The recipe runs for real with a stand-in Python that only writes down what it was asked."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_PYTHON = """#!/bin/sh
echo "$SITE_URL $*" >> "$RUN_LOG"
if [ "$2" = runserver ]; then
  # Wait for the worker started just before in the background, so both are written down
  # before the recipe's trap ends the group.
  for _ in $(seq 100); do grep -q run_worker "$RUN_LOG" && exit 0; sleep 0.05; done
fi
"""


def make_run(tmp_path: Path, *args: str, env: dict | None = None) -> list[str]:
    if shutil.which("make") is None:
        pytest.fail("make is needed: `make run` is how the README starts the service")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    (venv / ".installed").touch()  # newer than the requirements: nothing to install
    log = tmp_path / "run.log"
    environment = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "MAKEFLAGS")}
    environment.update(env or {}, RUN_LOG=str(log))
    # A session of its own: the recipe's `trap 'kill 0'` ends its process group, not pytest's.
    subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "run", f"VENV={venv}", *args],
                   env=environment, capture_output=True, text=True, timeout=60, start_new_session=True,
                   check=False)
    return log.read_text().splitlines()


def test_the_port_reaches_seed_demo_the_worker_and_the_server(tmp_path):
    lines = make_run(tmp_path, "PORT=8123")
    assert sorted(lines) == sorted([
        "http://127.0.0.1:8123 manage.py migrate --noinput",
        "http://127.0.0.1:8123 manage.py seed_demo",
        "http://127.0.0.1:8123 manage.py run_worker",
        "http://127.0.0.1:8123 manage.py runserver 127.0.0.1:8123",
    ])


def test_the_default_port_is_8000(tmp_path):
    assert "http://127.0.0.1:8000 manage.py seed_demo" in make_run(tmp_path)


def test_a_site_url_already_set_wins(tmp_path):
    lines = make_run(tmp_path, "PORT=8123", env={"SITE_URL": "https://demo.example.jp"})
    assert "https://demo.example.jp manage.py seed_demo" in lines
    assert "https://demo.example.jp manage.py runserver 127.0.0.1:8123" in lines
