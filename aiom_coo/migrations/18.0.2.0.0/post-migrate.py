"""18.0.2.0.0, after the new code and data of aiom_coo loaded.

- Install the bridges whose app is installed: Odoo installs a new auto_install module only along
  with one of its dependencies, not when a module it depends on is upgraded. Marked 'to install'
  here, they install in this same run, after aiom_coo, and take over the records the pre-migration
  handed them.
- The operator may work in every company that has an analyzer (the brain loop runs each analyzer
  in its company, as the operator).
- A demo database gets the new demo: the former generated demo proposals (no xmlids, wording that
  contradicted the demo records) go; the examples' outcomes and ages are played as at install.
"""

import logging

from odoo import SUPERUSER_ID, Command, api

_logger = logging.getLogger("odoo.addons.aiom_coo.migrations")

OLD_DEMO_XMLIDS = ("demo_action_follow_up_azure", "demo_action_create_contact", "demo_action_note_gemini")


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    _install_bridges(env)
    _operator_in_analyzer_companies(env)
    if env["ir.module.module"].search([("name", "=", "aiom_coo")]).demo:
        _replace_demo(env)


def _install_bridges(env):
    """Odoo's own auto_install rule (all required dependencies installed), for aiom_coo's dependents."""
    candidates = env["ir.module.module"].search(
        [("state", "=", "uninstalled"), ("auto_install", "=", True), ("dependencies_id.name", "=", "aiom_coo")]
    )
    ready = candidates.filtered(
        lambda module: all(
            dependency.state in ("installed", "to upgrade", "to install")
            for dependency in module.dependencies_id
            if dependency.auto_install_required
        )
    )
    if ready:
        _logger.info("AI COO: installing %s", ", ".join(ready.mapped("name")))
        ready.button_install()


def _operator_in_analyzer_companies(env):
    env.cr.execute("SELECT DISTINCT company_id FROM aiom_analyzer")
    company_ids = [company_id for (company_id,) in env.cr.fetchall()]
    operator = env.ref("aiom_coo.user_aiom_operator")
    missing = set(company_ids) - set(operator.company_ids.ids)
    if missing:
        operator.company_ids = [Command.link(company_id) for company_id in missing]


def _replace_demo(env):
    Action = env["aiom.action"]
    old = Action.search([("idempotency_key", "=like", "aiom-demo-%")])
    for name in OLD_DEMO_XMLIDS:
        old |= env.ref(f"aiom_coo.{name}", raise_if_not_found=False) or Action
    old.unlink()
    Action._demo_load_examples()
