from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class AiomAction(models.Model):
    """Demo data loader: what XML records cannot do alone.

    The demo proposals are XML records (with xmlids) or, in the bridges, what the real analyzers
    file on demo records made to need them. This loader gives them the outcomes that need the engine
    (an approval executes or fails for real, a rejection, the guardrails that block a proposal) and
    spreads their ages. Each bridge's loader uses these helpers; all of them run once, at install.
    """

    _inherit = "aiom.action"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _demo_load_examples(self):
        self._demo_propose(
            "aiom_coo.demo_example_portal_account",
            {
                # Blocked at proposal by the built-in guardrails: user accounts are not open to the AI.
                "name": "Give Deco Addict's buyer a portal account",
                "action_type": "odoo_create",
                "parameters": {"model": "res.users", "values": {"name": "Deco buyer", "login": "buyer@deco"}},
                "target": {"model": "res.partner", "id": self.env.ref("base.res_partner_2").id},
                "rationale": "The buyer asks every week for copies of invoices.",
                "confidence": 0.6,
                "risk_level": "high",
                "source": "api",
                "agent": "Example integration agent",
            },
        )
        self._demo_play(
            [
                ("aiom_coo.demo_example_call_azure", None, 5),
                ("aiom_coo.demo_example_contact_deco", None, 26),
                ("aiom_coo.demo_example_note_gemini", None, 2),
                ("aiom_coo.demo_example_onboard_wood", None, 50),
                ("aiom_coo.demo_example_note_ready_mat", "approve", 30),
                ("aiom_coo.demo_example_credit_limit", "approve", 8),
                ("aiom_coo.demo_example_portal_account", None, 20),
                ("aiom_coo.demo_example_discount_deco", "reject", 75, "We do not discount renewals this year."),
                ("aiom_coo.demo_example_delay_gemini", "cancel", 120),
                ("aiom_coo.demo_example_catalogue_wood", "expire", 200),
            ]
        )

    # ------------------------------------------------------------------ helpers for every demo loader

    @api.model
    def _demo_propose(self, xmlid, vals):
        """Propose ``vals`` as the demo administrator, through the guardrails, under ``xmlid``; once."""
        action = self.env.ref(xmlid, raise_if_not_found=False)
        if not action:
            action = self.with_user(self.env.ref("base.user_admin")).propose(vals).with_env(self.env)
            self.env["ir.model.data"]._update_xmlids([{"xml_id": xmlid, "record": action, "noupdate": True}])
        return action

    @api.model
    def _demo_name(self, actions, module):
        """Give xmlids to proposals an analyzer filed, after their target's and level:
        ``aiom_coo_account.demo_proposal_invoice_gemini_level_1``, ``..._base_res_partner_4_level_2``."""
        data = []
        for action in actions:
            target = self.env[action.target_model].browse(action.target_res_id)
            xmlid = target.get_external_id().get(target.id) or f"{target._name.replace('.', '_')}.{target.id}"
            target_module, target_name = xmlid.split(".", 1)
            if target_module == module:
                target_name = target_name.removeprefix("demo_")
            else:
                target_name = f"{target_module}_{target_name}"
            followup = self.env["aiom.followup"].search([("action_id", "=", action.id)], limit=1)
            levels = followup.analyzer_id.level_ids.sorted("days")
            rank = list(levels).index(followup.level_id) + 1 if followup.level_id in levels else 0
            name = f"demo_proposal_{target_name}_level_{rank}"
            data.append({"xml_id": f"{module}.{name}", "record": action, "noupdate": True})
        self.env["ir.model.data"]._update_xmlids(data)

    @api.model
    def _demo_proposal_for(self, record):
        """The proposal that follows ``record`` up (filed by an analyzer)."""
        followups = self.env["aiom.followup"].search(
            [("target_model", "=", record._name), ("target_res_id", "=", record.id)], order="id desc", limit=1
        )
        return followups.action_id

    @api.model
    def _demo_play(self, scenes):
        """Each scene ``(action or xmlid, outcome, hours ago[, reason])``: the demo administrator
        approves, rejects, cancels, or the proposal expires, if it is still pending; then its age
        (None: filed now, as an analyzer's proposals, whose wording counts days from now)."""
        admin = self.env.ref("base.user_admin")
        for action, outcome, hours_ago, *reason in scenes:
            if isinstance(action, str):
                action = self.env.ref(action)
            if not action:
                continue
            if outcome and action.state == "pending":
                as_admin = action.with_user(admin)
                if outcome == "approve":
                    as_admin.action_approve()
                elif outcome == "reject":
                    as_admin.action_reject(reason=reason[0] if reason else None)
                elif outcome == "cancel":
                    as_admin.action_cancel()
                elif outcome == "expire":
                    action._expire()
            if hours_ago is not None:
                self._demo_backdate(action, hours_ago)

    @api.model
    def _demo_backdate(self, action, hours_ago):
        # Spread the proposals over the last days, so that ages and the dashboard look lived-in.
        created = fields.Datetime.now() - timedelta(hours=hours_ago)
        self.env.flush_all()  # or the engine's pending writes would land after this update
        self.env.cr.execute(
            SQL(
                "UPDATE aiom_action SET create_date = %(created)s,"
                " approved_date = CASE WHEN approved_date IS NULL THEN NULL ELSE %(approved)s END,"
                " executed_date = CASE WHEN executed_date IS NULL THEN NULL ELSE %(approved)s END"
                " WHERE id = %(id)s",
                created=created,
                approved=created + timedelta(hours=max(0.3, hours_ago * 0.06)),
                id=action.id,
            )
        )
        self.env.cr.execute(
            SQL("UPDATE aiom_followup SET date = %(created)s WHERE action_id = %(id)s", created=created, id=action.id)
        )
        action.invalidate_recordset(["create_date", "approved_date", "executed_date"])
        self.env["aiom.followup"].invalidate_model(["date"])
