"""Upgrade a database of the release before the bridges (aiom_coo 18.0.1.0.0) to this checkout.

The release is installed from git (``git archive``) with crm and account into a throwaway database,
given data (follow-ups, proposals linked to analyzers, a stage threshold, a custom and a changed
level), then upgraded with ``-u aiom_coo`` from this checkout: the records are kept, their xmlids
belong to the bridges, the bridges are installed and the brain loop still runs.
"""

import configparser
import io
import json
import os
import subprocess
import tarfile

import pytest

from devtools.odoo_config import PROJECT_DIR

from .conftest import run_odoo

RELEASE = "c4ecf18"  # aiom_coo 18.0.1.0.0, the last release with crm and account in the core

OLD_DATA = """
import json
from datetime import timedelta
from odoo import Command, fields
stalled = env.ref("aiom_coo.analyzer_stalled_deals")
overdue = env.ref("aiom_coo.analyzer_overdue_invoices")
first_stage, other_stage = env["crm.stage"].search([("is_won", "=", False)], order="sequence", limit=2)
stalled.stage_ids = [Command.create({"stage_id": first_stage.id, "days": 30})]
overdue.level_ids = [Command.create({"name": "Legal notice", "days": 90, "email_subject": "Legal notice: $documents"})]
env.ref("aiom_coo.analyzer_overdue_invoices_level_1").email_subject = "Gentle reminder: $documents"
customer = env["res.partner"].create({"name": "Upgrade Customer", "email": "upgrade@example.com"})
lead = env["crm.lead"].create({
    "name": "Upgrade deal", "type": "opportunity", "partner_id": customer.id, "stage_id": other_stage.id,
    "expected_revenue": 8000, "date_last_stage_update": fields.Datetime.now() - timedelta(days=20),
})
invoice = env["account.move"].create({
    "move_type": "out_invoice", "partner_id": customer.id,
    "invoice_date": fields.Date.today() - timedelta(days=40),
    "invoice_line_ids": [Command.create({"name": "Consulting", "quantity": 1, "price_unit": 900.0})],
})
invoice.action_post()
invoice.invoice_date_due = fields.Date.today() - timedelta(days=10)
operator = env.ref("aiom_coo.user_aiom_operator")
env["aiom.action"].with_user(operator)._cron_brain_loop(batch_size=200)
env.cr.commit()
print("AIOM_BEFORE=" + json.dumps({
    "analyzers": {code: env["aiom.analyzer"].search([("code", "=", code)]).ids
                  for code in ("stalled_deals", "overdue_invoices")},
    "levels": {xmlid: env.ref("aiom_coo." + xmlid).id for xmlid in (
        "analyzer_stalled_deals_level_1", "analyzer_stalled_deals_level_2", "analyzer_overdue_invoices_level_1",
        "analyzer_overdue_invoices_level_2", "analyzer_overdue_invoices_level_3")},
    "custom_level": overdue.level_ids.filtered(lambda level: level.name == "Legal notice").id,
    "stage_line": [stalled.stage_ids.id, first_stage.id],
    "followups": env["aiom.followup"].search([], order="id").mapped(
        lambda followup: [followup.id, followup.analyzer_id.id, followup.target_model, followup.target_res_id]),
    "actions": env["aiom.action"].search([("analyzer_id", "!=", False)], order="id").mapped(
        lambda action: [action.id, action.analyzer_id.id]),
    "lead": lead.id,
    "invoice": invoice.id,
    "operator_groups": operator.groups_id.mapped(lambda group: group.get_external_id()[group.id]),
}))
"""

NEW_STATE = """
import json
from datetime import timedelta
from odoo import fields
modules = env["ir.module.module"].search([("name", "like", "aiom_coo")])
data = env["ir.model.data"].search([("model", "in", ("aiom.analyzer", "aiom.analyzer.level"))])
operator = env.ref("aiom_coo.user_aiom_operator")
stage_line = env["aiom.analyzer.stage"].search([])
env.cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'aiom_analyzer_stage'")
state = {
    "modules": {module.name: [module.state, module.latest_version] for module in modules},
    "xmlids": sorted(f"{row.module}.{row.name}:{row.res_id}" for row in data),
    "analyzers": {code: env["aiom.analyzer"].search([("code", "=", code)]).ids
                  for code in ("stalled_deals", "overdue_invoices")},
    "level_1_subject": env.ref("aiom_coo_account.analyzer_overdue_invoices_level_1").email_subject,
    "custom_level": env["aiom.analyzer.level"].search([("name", "=", "Legal notice")]).ids,
    "stage_line": [stage_line.id, stage_line.stage_id.id, stage_line.stage_id._name, stage_line.days],
    "stage_columns": sorted(row[0] for row in env.cr.fetchall()),
    "followups": env["aiom.followup"].search([], order="id").mapped(
        lambda followup: [followup.id, followup.analyzer_id.id, followup.target_model, followup.target_res_id]),
    "actions": env["aiom.action"].search([("analyzer_id", "!=", False)], order="id").mapped(
        lambda action: [action.id, action.analyzer_id.id]),
    "operator_groups": operator.groups_id.mapped(lambda group: group.get_external_id()[group.id]),
}
# The brain loop with the new code: nothing twice for what was followed up, a new deal is.
Action = env["aiom.action"].with_user(operator)
state["again"] = Action._cron_brain_loop(batch_size=200)["proposed"].mapped("target_res_id")
stage = env["crm.stage"].search([("is_won", "=", False)], order="sequence", limit=2)[1]
customer = env["res.partner"].search([("name", "=", "Upgrade Customer")])
new_lead = env["crm.lead"].create({
    "name": "Deal after the upgrade", "type": "opportunity", "partner_id": customer.id, "stage_id": stage.id,
    "expected_revenue": 5000, "date_last_stage_update": fields.Datetime.now() - timedelta(days=20),
})
state["after"] = Action._cron_brain_loop(batch_size=200)["proposed"].mapped(
    lambda action: [action.target_model, action.target_res_id])
state["new_lead"] = new_lead.id
print("AIOM_AFTER=" + json.dumps(state))
env.cr.rollback()
"""


def _printed(output, key):
    line = next(line for line in output.splitlines() if line.startswith(f"{key}="))
    return json.loads(line.split("=", 1)[1])


@pytest.fixture(scope="module")
def release_addons_path(tmp_path_factory):
    """Odoo's addons and aiom_coo as released, from this repository's history."""
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_DIR), "archive", RELEASE, "aiom_coo"], capture_output=True, check=False
    )
    if archive.returncode:
        pytest.fail(f"git archive {RELEASE} failed (a shallow clone? fetch the history): {archive.stderr.decode()}")
    release = tmp_path_factory.mktemp("release")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(release, filter="data")
    config = configparser.ConfigParser()
    config.read(os.environ["AIOM_ODOO_CONFIG"])
    paths = [path.strip() for path in config["options"]["addons_path"].split(",")]
    return ",".join([path for path in paths if os.path.realpath(path) != str(PROJECT_DIR)] + [str(release)])


@pytest.fixture(scope="module")
def upgrade_db():
    database = os.environ.get("AIOM_UPGRADE_DB")
    if not database:
        pytest.exit("AIOM_UPGRADE_DB is not set: run the tests through scripts/test.sh", returncode=4)
    return database


def test_upgrade_from_the_release_keeps_records_and_installs_the_bridges(release_addons_path, upgrade_db):
    """Records kept, xmlids moved to the bridges, bridges installed, operator repaired, loop running."""
    old = f"--addons-path={release_addons_path}"
    # aiom_coo before the apps, in one run: the release let Odoo hand their administrator groups down.
    run_odoo("-d", upgrade_db, old, "-i", "aiom_coo,crm,account", "--without-demo=all", "--stop-after-init")
    before = _printed(run_odoo("shell", "-d", upgrade_db, old, "--no-http", stdin=OLD_DATA).stdout, "AIOM_BEFORE")
    assert len(before["followups"]) == 2 and len(before["actions"]) == 2, before
    assert "sales_team.group_sale_manager" in before["operator_groups"], "the release's flaw, reproduced"

    process = run_odoo("-d", upgrade_db, "-u", "aiom_coo", "--stop-after-init", "--log-level=warn")
    assert " ERROR " not in process.stdout + process.stderr, process.stderr
    after = _printed(run_odoo("shell", "-d", upgrade_db, "--no-http", stdin=NEW_STATE).stdout, "AIOM_AFTER")

    assert after["modules"]["aiom_coo"] == ["installed", "18.0.2.0.0"]
    assert after["modules"]["aiom_coo_crm"][0] == "installed"
    assert after["modules"]["aiom_coo_account"][0] == "installed"
    assert after["modules"]["aiom_coo_project"][0] == "uninstalled", "project is not installed"
    # The same records, no duplicates, under the bridges' xmlids.
    assert after["analyzers"] == before["analyzers"]
    stalled, overdue = before["analyzers"]["stalled_deals"][0], before["analyzers"]["overdue_invoices"][0]
    expected = {
        f"aiom_coo_crm.analyzer_stalled_deals:{stalled}",
        f"aiom_coo_account.analyzer_overdue_invoices:{overdue}",
    }
    for xmlid, res_id in before["levels"].items():
        bridge = "aiom_coo_crm" if "stalled" in xmlid else "aiom_coo_account"
        expected.add(f"{bridge}.{xmlid}:{res_id}")
    # Analyzers the release did not have arrive with the bridges, once.
    added = [xmlid for xmlid in after["xmlids"] if xmlid.startswith("aiom_coo_crm.analyzer_unanswered_emails:")]
    assert len(added) == 1, after["xmlids"]
    expected.update(added)
    assert set(after["xmlids"]) == expected
    assert after["level_1_subject"] == "Gentle reminder: $documents", "a changed level stays changed"
    assert after["custom_level"] == [before["custom_level"]]
    # The stage threshold keeps its row and values; stage_id is now a Many2one to crm.stage.
    assert after["stage_line"] == [before["stage_line"][0], before["stage_line"][1], "crm.stage", 30]
    assert "stage_model" not in after["stage_columns"]
    assert after["followups"] == before["followups"]
    assert after["actions"] == before["actions"]
    # The brain loop runs: nothing twice, and the new deal is followed up.
    assert after["again"] == []
    assert after["after"] == [["crm.lead", after["new_lead"]]]
    # Each bridge gave the operator its user-level group and took the administrator group back.
    groups = set(after["operator_groups"])
    assert {"sales_team.group_sale_salesman_all_leads", "account.group_account_invoice"} <= groups
    assert not groups & {"sales_team.group_sale_manager", "account.group_account_manager"}, groups
