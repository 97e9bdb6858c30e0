"""gunicorn started the way a benchmark or a test needs it: a free local port, the caller's
database, DEBUG off. Waits for /healthz, reads the peak memory of the master and of each
worker (VmHWM) before stopping, and always stops what it started.

    with WebServer(database_url=…, settings="literacy.settings.local") as server:
        server.base_url            # http://127.0.0.1:<port>
        server.peak_memory_kb()    # {"master": …, "workers": [...]}
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_from_settings(db: dict) -> str:
    """A DATABASE_URL for one of Django's settings_dicts (the test database included), so a
    process started beside this one uses the very same database."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def vm_hwm_kb(pid: int) -> int | None:
    """The process's peak resident set size (VmHWM) in kB, or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def child_pids(pid: int) -> list[int]:
    """Direct children of pid, from /proc (gunicorn's workers are the master's children)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # "pid (comm) state ppid …": comm may hold spaces, so split after its closing bracket.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


class WebServer:
    """A gunicorn master with `workers` workers (and `threads` threads each) on 127.0.0.1."""

    def __init__(self, *, database_url: str, settings: str = "literacy.settings.local", workers: int = 2,
                 threads: int = 1, env: dict[str, str] | None = None, start_timeout: float = 60.0):
        self.database_url = database_url
        self.settings = settings
        self.workers = workers
        self.threads = threads
        self.extra_env = env or {}
        self.start_timeout = start_timeout
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="oshieai-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self._workers_seen: set[int] = set()

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "gunicorn", "literacy.wsgi:application",
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                   "--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning",
                   "--error-logfile", "-", "--backlog", "2048"]
        if self.threads > 1:
            command += ["--threads", str(self.threads)]
        return command

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DJANGO_SETTINGS_MODULE": self.settings,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def start(self) -> WebServer:
        self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.environment(), stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._fail(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) >= self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self._fail(f"gunicorn did not answer /healthz within {self.start_timeout:.0f} s")

    def _fail(self, message: str) -> None:
        tail = self.log_tail()
        self.close()
        raise RuntimeError(f"{message}:\n{tail}")

    def worker_pids(self) -> list[int]:
        pids = child_pids(self.process.pid) if self.process else []
        self._workers_seen.update(pids)
        return pids

    def peak_memory_kb(self) -> dict:
        """VmHWM of the master and of each live worker, in kB (read while they still run)."""
        workers = [kb for kb in (vm_hwm_kb(pid) for pid in self.worker_pids()) if kb is not None]
        return {"master": vm_hwm_kb(self.process.pid), "workers": workers}

    def stop(self) -> None:
        if self.process is None:
            return
        self.worker_pids()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        # A worker the master could not reap (it was killed) must not outlive the run; a pid is
        # only signalled while its command line is still this server's.
        for pid in self._workers_seen:
            if self._is_ours(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        self.process = None

    def _is_ours(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return False
        return b"gunicorn" in cmdline and f"127.0.0.1:{self.port}".encode() in cmdline

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> WebServer:
        return self.start()

    def close(self) -> None:
        """Stop the server and remove its log."""
        self.stop()
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)

    def __exit__(self, *exc) -> None:
        self.close()
