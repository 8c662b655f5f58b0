"""Install, upgrade and uninstall of aiom_coo and a bridge on a copy of the test database (with data)."""

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

UNINSTALL_BRIDGE = """
from datetime import timedelta
from odoo import fields
analyzer = env.ref("aiom_coo_crm.analyzer_stalled_deals")
env["crm.lead"].create({
    "name": "Deal followed up before the uninstall", "type": "opportunity", "expected_revenue": 3000,
    "user_id": env.ref("base.user_admin").id,
    "date_last_stage_update": fields.Datetime.now() - timedelta(days=30),
})
# A proposal of the loop's own (the demo ones belong to the bridge, which takes them along).
actions = analyzer.with_user(env.ref("aiom_coo.user_aiom_operator"))._run(batch_size=200)
assert actions
env["ir.module.module"].search([("name", "=", "aiom_coo_crm")]).button_immediate_uninstall()
env.cr.commit()
env.cr.execute("SELECT name, state FROM ir_module_module WHERE name IN ('aiom_coo', 'aiom_coo_crm')")
print("AIOM_MODULES=" + ",".join(sorted(f"{name}:{state}" for name, state in env.cr.fetchall())))
env.cr.execute("SELECT count(*) FROM aiom_analyzer WHERE code = 'stalled_deals'")
print("AIOM_ANALYZERS=%s" % env.cr.fetchone()[0])
env.cr.execute("SELECT count(*) FROM aiom_followup WHERE analyzer_id = %s", [analyzer.id])
print("AIOM_FOLLOWUPS=%s" % env.cr.fetchone()[0])
env.cr.execute("SELECT count(*), count(analyzer_id) FROM aiom_action WHERE id IN %s", [tuple(actions.ids)])
print("AIOM_KEPT_ACTIONS=%s/%s" % (*env.cr.fetchone(),))
env.cr.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'aiom_analyzer_stage'")
print("AIOM_STAGE_TABLE=%s" % env.cr.fetchone()[0])
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


def test_uninstall_a_bridge_takes_its_analyzers_only(lifecycle_db):
    """Uninstalling aiom_coo_crm deletes its analyzer, levels, follow-ups, thresholds and demo; the
    loop's proposals stay (without analyzer) and aiom_coo stays installed."""
    output = _shell(lifecycle_db, UNINSTALL_BRIDGE)
    assert _printed(output, "AIOM_MODULES") == "aiom_coo:installed,aiom_coo_crm:uninstalled", output
    assert _printed(output, "AIOM_ANALYZERS") == "0", output
    assert _printed(output, "AIOM_FOLLOWUPS") == "0", output
    assert _printed(output, "AIOM_KEPT_ACTIONS") == "1/0", output
    assert _printed(output, "AIOM_STAGE_TABLE") == "0", output


def test_uninstall_leaves_no_tables(lifecycle_db):
    """Uninstalling aiom_coo drops its tables and models."""
    output = _shell(lifecycle_db, UNINSTALL)
    assert _printed(output, "AIOM_STATE") == "uninstalled", output
    assert _printed(output, "AIOM_TABLES") == "", output
    assert _printed(output, "AIOM_MODELS") == "0", output
