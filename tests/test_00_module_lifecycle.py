"""Install, upgrade and uninstall of aiom_coo on a copy of the test database (with data)."""

import os

import pytest

from .conftest import run_odoo

UNINSTALL = """
module = env["ir.module.module"].search([("name", "=", "aiom_coo")])
module.button_immediate_uninstall()
env.cr.commit()
env.cr.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'aiom%%'")
print("AIOM_TABLES=" + ",".join(sorted(row[0] for row in env.cr.fetchall())))
env.cr.execute("SELECT count(*) FROM ir_model WHERE model LIKE 'aiom.%%'")
print("AIOM_MODELS=%s" % env.cr.fetchone()[0])
print("AIOM_STATE=" + env["ir.module.module"].search([("name", "=", "aiom_coo")]).state)
"""

COUNT_ACTIONS = """
env.cr.execute("SELECT count(*) FROM aiom_action")
print("AIOM_ACTIONS=%s" % env.cr.fetchone()[0])
"""


@pytest.fixture(scope="module")
def lifecycle_db():
    database = os.environ.get("AIOM_LIFECYCLE_DB")
    if not database:
        pytest.exit("AIOM_LIFECYCLE_DB is not set: run the tests through scripts/test.sh", returncode=4)
    return database


def _shell(database, script):
    return run_odoo("shell", "-d", database, "--no-http", stdin=script).stdout


def _printed(output, key):
    """The value a shell script printed as KEY=value."""
    return next(line.split("=", 1)[1] for line in output.splitlines() if line.startswith(f"{key}="))


def test_upgrade_twice_keeps_data(lifecycle_db):
    """`-u aiom_coo` twice in a row succeeds and keeps the existing actions."""
    before = int(_printed(_shell(lifecycle_db, COUNT_ACTIONS), "AIOM_ACTIONS"))
    assert before > 0, "the demo data should have filled the inbox"
    for _attempt in range(2):
        process = run_odoo("-d", lifecycle_db, "-u", "aiom_coo", "--stop-after-init", "--log-level=warn")
        assert " ERROR " not in process.stdout + process.stderr, process.stderr
    assert int(_printed(_shell(lifecycle_db, COUNT_ACTIONS), "AIOM_ACTIONS")) == before


def test_uninstall_leaves_no_tables(lifecycle_db):
    """Uninstalling aiom_coo drops its tables and models."""
    output = _shell(lifecycle_db, UNINSTALL)
    assert _printed(output, "AIOM_STATE") == "uninstalled", output
    assert _printed(output, "AIOM_TABLES") == "", output
    assert _printed(output, "AIOM_MODELS") == "0", output
