"""Odoo processes for tests and benchmarks: a server on a free port, one-off commands (install,
upgrade, ``odoo shell``) and a PostgreSQL connection, all from the configuration file the scripts
write (``devtools/odoo_config.py``).

Plain Python, no pytest: the end-to-end tests (``tests/conftest.py``) and the benchmarks
(``bench/``) both import it. Odoo runs with the interpreter of this process (the checkout's
``.venv``), through its ``odoo`` console script.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2

from .odoo_config import PROJECT_DIR, read_options


class OdooError(Exception):
    """An Odoo command failed or a server did not start; the message carries its output."""


def free_port():
    """A TCP port free on the loopback interface now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_command(config, *args, python=None):
    """The command line of Odoo with ``config``; a subcommand (``shell``) may come first in ``args``."""
    python = python or sys.executable
    subcommand = [args[0]] if args and not args[0].startswith("-") else []
    return [python, str(Path(python).parent / "odoo"), *subcommand, "-c", str(config), *args[len(subcommand) :]]


def run_odoo(config, *args, stdin=None, timeout=600, env=None):
    """Run a one-off Odoo command (install, upgrade, shell); raise OdooError with its output."""
    process = subprocess.run(
        odoo_command(config, *args),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if process.returncode:
        raise OdooError(f"odoo {' '.join(args)} failed ({process.returncode}):\n{process.stdout}\n{process.stderr}")
    return process


def odoo_shell(config, database, script, timeout=600, env=None):
    """Run ``script`` in ``odoo shell`` on ``database``; return what it printed."""
    args = ("shell", "-d", database, "--no-http", "--log-level=warn")
    return run_odoo(config, *args, stdin=script, timeout=timeout, env=env).stdout


def printed(output, key):
    """The value a script printed as ``KEY=value`` (the last one)."""
    values = [line.split("=", 1)[1] for line in output.splitlines() if line.startswith(f"{key}=")]
    if not values:
        raise OdooError(f"nothing printed as {key}=... in:\n{output[-3000:]}")
    return values[-1]


def connect(config, database, autocommit=True):
    """A psycopg2 connection to ``database`` as the Odoo role of ``config``."""
    options = read_options(config)
    connection = psycopg2.connect(
        dbname=database,
        host=options.get("db_host") or None,
        port=options.get("db_port") or None,
        user=options.get("db_user") or None,
        password=options.get("db_password") or None,
    )
    connection.autocommit = autocommit
    return connection


class OdooServer:
    """An Odoo server process on one database and a free port, in its own process group.

    ``extra`` are more command-line options (``--workers=2``, ``--load=...``); with workers, a free
    gevent port is added. The log goes to ``log_path`` (default ``.local/odoo-server-PORT.log``).
    """

    def __init__(self, config, database, *extra, env=None, log_path=None):
        self.config, self.database = config, database
        self.port = free_port()
        self.extra = list(extra)
        if any(arg.startswith("--workers=") and arg != "--workers=0" for arg in extra) and not any(
            arg.startswith("--gevent-port=") for arg in extra
        ):
            self.extra.append(f"--gevent-port={free_port()}")
        self.env = env
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path or PROJECT_DIR / ".local" / f"odoo-server-{self.port}.log")
        self.process = None

    def start(self, timeout=180):
        """Start the server and wait until ``/web/health`` answers; raise OdooError otherwise."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                odoo_command(
                    self.config,
                    "-d",
                    self.database,
                    f"--db-filter=^{self.database}$",
                    f"--http-port={self.port}",
                    "--http-interface=127.0.0.1",
                    "--max-cron-threads=0",
                    *self.extra,
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise OdooError(f"the Odoo server did not start:\n{self.log_path.read_text()[-4000:]}")
            time.sleep(0.2)  # polling for readiness, not synchronising test steps
        return self

    def _healthy(self):
        try:
            with urllib.request.urlopen(f"{self.base_url}/web/health", timeout=2) as reply:
                return reply.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def kill(self):
        """SIGKILL the whole process group: no clean shutdown, as a crash would be."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self, timeout=60):
        """SIGTERM the process group (Odoo shuts down cleanly); SIGKILL after ``timeout``."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()
