"""What a fresh machine meets: an Odoo source cloned from git (apps in addons/, not odoo/addons),
and a test or benchmark run started while scripts/run.sh serves from the same private PostgreSQL."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtools.odoo_config import odoo_addons_dirs, read_options, write_config
from devtools.odoo_server import PROJECT_DIR, connect, odoo_command, printed

# Runs the odoo CLI with only the layout's odoo package importable: the checkout's .venv also
# reaches the given source (its editable install and a .pth entry), which would hide the layout.
LAUNCHER = """
import os, sys
hidden = os.path.realpath(os.environ["AIOM_HIDDEN_ODOO_SRC"])
sys.path[:] = [p for p in sys.path if not os.path.realpath(p or ".").startswith(hidden)]
os.environ["TZ"] = "UTC"
sys.argv[0] = "odoo"
import odoo
odoo.cli.main()
"""

WHERE = """
import odoo
from odoo.modules.module import get_module_path
states = dict(env["ir.module.module"].search([("name", "in", ["crm", "aiom_coo"])]).mapped(lambda m: (m.name, m.state)))
print("AIOM_ODOO=" + odoo.__file__)
print("AIOM_BASE=" + get_module_path("base"))
print("AIOM_CRM=" + get_module_path("crm"))
print("AIOM_AIOM=" + get_module_path("aiom_coo"))
print("AIOM_STATES=%s" % sorted(states.items()))
print("AIOM_PATHS=" + ",".join(odoo.addons.__path__))
"""


def git_layout(odoo_src, root):
    """A tree shaped like a git clone of odoo/odoo, linked to the files of ``odoo_src`` (any layout):
    ``odoo/addons`` keeps ``base``, every other addon goes to ``addons/``."""
    source_addons = odoo_addons_dirs(odoo_src)
    (root / "odoo" / "addons").mkdir(parents=True)
    (root / "addons").mkdir()
    for entry in (Path(odoo_src) / "odoo").iterdir():
        if entry.name != "addons":
            (root / "odoo" / entry.name).symlink_to(entry)
    for directory in source_addons:
        for entry in directory.iterdir():
            if entry.name == "base" or not (entry / "__manifest__.py").is_file():
                if directory.name == "addons" and directory.parent.name == "odoo":
                    (root / "odoo" / "addons" / entry.name).symlink_to(entry)  # base, __init__.py
                continue
            (root / "addons" / entry.name).symlink_to(entry)
    for name in ("requirements.txt", "setup.py"):
        if (Path(odoo_src) / name).exists():
            (root / name).symlink_to(Path(odoo_src) / name)
    return root


@pytest.fixture
def options():
    config = os.environ.get("AIOM_ODOO_CONFIG")
    if not config or not os.environ.get("ODOO_SRC"):
        pytest.exit("AIOM_ODOO_CONFIG and ODOO_SRC are not set: run the tests through scripts/test.sh", returncode=4)
    return read_options(config)


def test_git_clone_layout_installs_crm_and_aiom_coo(options, tmp_path):
    """The config the scripts write finds the apps of a git clone: crm and aiom_coo install from it."""
    layout = git_layout(os.environ["ODOO_SRC"], tmp_path / "odoo-git")
    assert (layout / "addons" / "crm").exists() and not (layout / "odoo" / "addons" / "crm").exists()
    config = write_config(
        tmp_path / "odoo.conf",
        odoo_src=layout,
        db_host=options["db_host"],
        db_port=options["db_port"],
        db_user=options["db_user"],
        db_password=options.get("db_password", ""),
        data_dir=tmp_path / "filestore",
    )
    assert read_options(config)["addons_path"] == f"{layout}/odoo/addons,{layout}/addons,{PROJECT_DIR}"
    launcher = tmp_path / "odoo_launcher.py"
    launcher.write_text(LAUNCHER)
    env = dict(os.environ, PYTHONPATH=str(layout), AIOM_HIDDEN_ODOO_SRC=os.environ["ODOO_SRC"])
    database = f"aiom_layout_{os.getpid()}"

    def odoo(*args, stdin=None):
        command = [sys.executable, str(launcher), *odoo_command(config, *args)[2:]]
        process = subprocess.run(command, input=stdin, env=env, cwd=tmp_path, capture_output=True, text=True)
        assert process.returncode == 0, f"{' '.join(args)}:\n{process.stdout[-3000:]}\n{process.stderr[-5000:]}"
        return process.stdout

    started = time.monotonic()
    try:
        odoo("-d", database, "-i", "crm,aiom_coo", "--without-demo=all", "--stop-after-init", "--log-level=warn")
        output = odoo("shell", "-d", database, "--no-http", "--log-level=warn", stdin=WHERE)
    finally:
        pg = connect(config, "postgres")
        try:
            with pg.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            pg.close()
    print(f"git layout: install of crm and aiom_coo in {time.monotonic() - started:.0f} s")
    assert printed(output, "AIOM_STATES") == "[('aiom_coo', 'installed'), ('crm', 'installed')]"
    assert printed(output, "AIOM_ODOO") == f"{layout}/odoo/__init__.py", "the layout's odoo package ran"
    assert printed(output, "AIOM_BASE") == f"{layout}/odoo/addons/base"
    assert printed(output, "AIOM_CRM") == f"{layout}/addons/crm"
    assert printed(output, "AIOM_AIOM") == f"{PROJECT_DIR}/aiom_coo"
    hidden = os.path.realpath(os.environ["ODOO_SRC"])
    assert not [path for path in printed(output, "AIOM_PATHS").split(",") if path.startswith(hidden)]


def test_a_second_script_leaves_the_shared_postgres_running(options):
    """A script that found the private PostgreSQL running (as a benchmark or a test run does while
    run.sh serves) leaves it running when it exits: only the last script out stops it."""
    if any(os.environ.get(name) for name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")):
        pytest.skip("your own PostgreSQL server: the scripts never stop it")
    script = f'source "{PROJECT_DIR}/scripts/common.sh"; ensure_postgres; trap release_postgres EXIT; '
    script += 'db_psql -c "SELECT 1"'
    process = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert process.returncode == 0 and process.stdout.strip() == "1", process.stderr
    assert "keeps running" in process.stderr
    pg = connect(os.environ["AIOM_ODOO_CONFIG"], os.environ["AIOM_TEST_DB"])
    try:
        with pg.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM res_users WHERE login = 'admin'")
            assert cursor.fetchone() == (1,), "the test database still answers"
    finally:
        pg.close()
