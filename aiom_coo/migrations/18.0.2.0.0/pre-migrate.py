"""18.0.2.0.0: the business apps leave the core for bridge addons (aiom_coo_crm, aiom_coo_account).

Before the new data loads, in SQL (the models are not loaded yet):

- the analyzers and levels that aiom_coo's data created change hands to their bridge, so that neither
  this upgrade nor a later uninstall of the bridge deletes or duplicates them (and their follow-ups,
  the proposals that point at them); a bridge installs in 'init' mode, which writes its data over
  them, so their rows are copied aside here and end-migrate.py puts the people's values back;
- analyzers of an app that is not installed, which never ran, are deleted, as the bridge's
  uninstall would delete them: an analyzer exists only where its bridge is installed;
- per-stage thresholds whose stage no longer exists are deleted before ``stage_id`` becomes a real
  Many2one (its integer column stays, with its values).
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger("odoo.addons.aiom_coo.migrations")

# The records of aiom_coo's former data/aiom_analyzer_data.xml, by the bridge that now owns them.
MOVED = {
    "aiom_coo_crm": (
        "crm",
        "stalled_deals",
        ["analyzer_stalled_deals", "analyzer_stalled_deals_level_1", "analyzer_stalled_deals_level_2"],
    ),
    "aiom_coo_account": (
        "account",
        "overdue_invoices",
        [
            "analyzer_overdue_invoices",
            "analyzer_overdue_invoices_level_1",
            "analyzer_overdue_invoices_level_2",
            "analyzer_overdue_invoices_level_3",
        ],
    ),
}

# Copies of the moved rows, as people left them (end-migrate.py restores and drops them).
SNAPSHOTS = {"aiom_analyzer": "aiom.analyzer", "aiom_analyzer_level": "aiom.analyzer.level"}


def migrate(cr, version):
    cr.execute("SELECT name FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to install')")
    installed = {name for (name,) in cr.fetchall()}
    moved = {"aiom.analyzer": [], "aiom.analyzer.level": []}
    for bridge, (app, code, names) in MOVED.items():
        if app in installed:
            cr.execute(
                "UPDATE ir_model_data SET module = %s WHERE module = 'aiom_coo' AND name = ANY(%s)"
                " RETURNING model, res_id",
                [bridge, names],
            )
            for model, res_id in cr.fetchall():
                moved[model].append(res_id)
            _logger.info("AI COO: %s records of the %s analyzer now belong to %s", cr.rowcount, code, bridge)
        else:
            cr.execute("DELETE FROM aiom_analyzer WHERE code = %s", [code])
            _logger.info("AI COO: %s %s analyzer(s) deleted: %s is not installed", cr.rowcount, code, app)
            cr.execute("DELETE FROM ir_model_data WHERE module = 'aiom_coo' AND name = ANY(%s)", [names])
    for table, model in SNAPSHOTS.items():
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(f"{table}_before_bridges")))
        cr.execute(
            SQL(
                "CREATE TABLE %s AS SELECT * FROM %s WHERE id = ANY(%s)",
                SQL.identifier(f"{table}_before_bridges"),
                SQL.identifier(table),
                moved[model],
            )
        )
    if "crm" in installed:
        cr.execute("DELETE FROM aiom_analyzer_stage WHERE stage_id NOT IN (SELECT id FROM crm_stage)")
