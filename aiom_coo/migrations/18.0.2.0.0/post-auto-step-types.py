"""18.0.2.0.0: the six ``auto_<type>`` booleans of a guardrail policy become one list of step types,
and actions proposed before plans were fingerprinted get the fingerprint of the plan they hold."""

from odoo import SUPERUSER_ID, api

OLD_FLAGS = ("odoo_create", "odoo_update", "odoo_search", "email_send", "message_post", "activity_schedule")


def migrate(cr, version):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'aiom_guardrail_policy'"
        " AND column_name LIKE 'auto\\_%%'"
    )
    columns = {row[0] for row in cr.fetchall()}
    flags = [code for code in OLD_FLAGS if f"auto_{code}" in columns and code != "email_send"]
    if flags:
        cr.execute(f"SELECT id, {', '.join(f'auto_{code}' for code in flags)} FROM aiom_guardrail_policy")
        env = api.Environment(cr, SUPERUSER_ID, {})
        for policy_id, *values in cr.fetchall():
            chosen = [code for code, value in zip(flags, values, strict=True) if value]
            env["aiom.guardrail.policy"].browse(policy_id).auto_step_types = chosen
        # Emails never run on their own any more: the old flag is dropped with the others.
        for code in OLD_FLAGS:
            cr.execute(f"ALTER TABLE aiom_guardrail_policy DROP COLUMN IF EXISTS auto_{code}")
    env = api.Environment(cr, SUPERUSER_ID, {})
    actions = env["aiom.action"].search([("plan_hash", "=", False)])
    actions._engine()._fingerprint_plan()
