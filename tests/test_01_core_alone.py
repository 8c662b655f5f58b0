"""aiom_coo alone, without any business app, in a throwaway database; then an app installed later.

The core knows no app: it installs alone with its demo, and its bridge to an app installed later
comes by itself, giving the operator that app's user-level group and no administration right.
"""

import json
import os
import re

import pytest

from devtools.odoo_config import PROJECT_DIR

from .conftest import run_odoo

# What the core may not name: the business apps' models (its migration may: it hands their records over).
APP_MODELS = re.compile(r"\b(crm|account|project|sale|stock|hr)\.[a-z_]+")

CORE_STATE = """
import json
modules = env["ir.module.module"].search([("name", "like", "aiom_coo")])
examples = env["ir.model.data"].search([("module", "=", "aiom_coo"), ("model", "=", "aiom.action")])
actions = env["aiom.action"].browse(examples.mapped("res_id"))
operator = env.ref("aiom_coo.user_aiom_operator")
print("AIOM_STATE=" + json.dumps({
    "installed": sorted(modules.filtered(lambda module: module.state == "installed").mapped("name")),
    "apps": sorted(env["ir.module.module"].search([
        ("name", "in", ("crm", "account", "project")), ("state", "=", "installed")]).mapped("name")),
    "analyzers": env["aiom.analyzer"].with_context(active_test=False).search_count([]),
    "codes": env["aiom.analyzer"]._fields["code"].get_values(env),
    "models": sorted(model for model in env.registry if model.startswith("aiom.analyzer")),
    "states": sorted(set(actions.mapped("state"))),
    "all_actions_have_xmlids": env["aiom.action"].search_count([]) == len(actions),
    "operator_groups": sorted(operator.groups_id.mapped(lambda group: group.get_external_id()[group.id])),
    "administrator_groups": operator.groups_id.filtered(lambda group: "Administrator" in group.name).ids,
    "brain_loop": {key: value if key == "more" else len(value) for key, value in
                   env["aiom.action"].with_user(operator)._cron_brain_loop(batch_size=200).items()},
}))
env.cr.rollback()
"""


def _printed(output, key):
    line = next(line for line in output.splitlines() if line.startswith(f"{key}="))
    return json.loads(line.split("=", 1)[1])


@pytest.fixture(scope="module")
def alone_db():
    database = os.environ.get("AIOM_ALONE_DB")
    if not database:
        pytest.exit("AIOM_ALONE_DB is not set: run the tests through scripts/test.sh", returncode=4)
    return database


def test_core_names_no_business_app():
    """Outside its migration, aiom_coo's code and data name no business app's model."""
    found = []
    for path in sorted((PROJECT_DIR / "aiom_coo").rglob("*")):
        if path.suffix not in (".py", ".xml", ".js", ".csv") or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if APP_MODELS.search(line):
                found.append(f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_core_installs_alone_then_an_app_brings_its_bridge(alone_db):
    """Alone: no analyzer, demo examples in every state, the loop runs. Then crm: its bridge comes."""
    run_odoo("-d", alone_db, "-i", "aiom_coo", "--stop-after-init", "--log-level=warn")
    state = _printed(run_odoo("shell", "-d", alone_db, "--no-http", stdin=CORE_STATE).stdout, "AIOM_STATE")
    assert state["apps"] == [] and state["installed"] == ["aiom_coo"], state
    assert (state["analyzers"], state["codes"]) == (0, [])
    assert state["models"] == ["aiom.analyzer", "aiom.analyzer.kind", "aiom.analyzer.level"]
    assert state["states"] == ["blocked", "cancelled", "executed", "expired", "failed", "pending", "rejected"]
    assert state["all_actions_have_xmlids"]
    assert state["operator_groups"] == [
        "aiom_coo.group_aiom_approver",
        "aiom_coo.group_aiom_user",
        "base.group_no_one",
        "base.group_partner_manager",
        "base.group_user",
    ]
    assert state["brain_loop"]["proposed"] == 0
    assert state["brain_loop"]["more"] is False, "no analyzer: no work left"

    process = run_odoo("-d", alone_db, "-i", "crm", "--stop-after-init", "--log-level=warn")
    assert " ERROR " not in process.stdout + process.stderr, process.stderr
    state = _printed(run_odoo("shell", "-d", alone_db, "--no-http", stdin=CORE_STATE).stdout, "AIOM_STATE")
    assert state["installed"] == ["aiom_coo", "aiom_coo_crm"]
    assert state["codes"] == ["stalled_deals", "unanswered_emails"] and state["analyzers"] == 2
    assert "sales_team.group_sale_salesman_all_leads" in state["operator_groups"]
    assert "sales_team.group_sale_manager" not in state["operator_groups"]
    assert state["administrator_groups"] == [], "crm made every employee a Sales administrator, not the operator"
