from odoo import api, fields, models


class AiomPlannerAsk(models.TransientModel):
    """ "Ask the AI COO": a request, about a record or not, that the LLM planner turns into a proposal."""

    _name = "aiom.planner.ask"
    _description = "AI COO: ask the AI planner"

    prompt = fields.Text(string="Request")
    target_model = fields.Char()
    target_res_id = fields.Integer()
    target_name = fields.Char(string="About", compute="_compute_target_name")
    # Defaults, not computes: they are what the dialog shows when it opens.
    llm_ready = fields.Boolean(default=lambda self: self.env["aiom.planner"]._available(), readonly=True)
    setup_message = fields.Text(default=lambda self: self._default_setup_message(), readonly=True)
    error_message = fields.Text(readonly=True)

    @api.depends("target_model", "target_res_id")
    def _compute_target_name(self):
        for wizard in self:
            record = wizard._target()
            wizard.target_name = record.display_name if record else False

    def _default_setup_message(self):
        planner = self.env["aiom.planner"]
        return False if planner._available() else planner._not_configured_message()

    def _target(self):
        self.ensure_one()
        if not self.target_model or not self.target_res_id or self.target_model not in self.env:
            return None
        record = self.env[self.target_model].browse(self.target_res_id).exists()
        return record if record and record.has_access("read") else None

    def action_plan(self):
        """Ask the planner; open the proposal it filed, or show why nothing was filed."""
        self.ensure_one()
        target = {"model": self.target_model, "id": self.target_res_id} if self.target_model else None
        outcome = self.env["aiom.action"].plan_from_request(self.prompt or "", target)
        if not outcome["id"]:
            self.error_message = outcome["error_message"]
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": self.id,
                "view_mode": "form",
                "target": "new",
                "name": self.env._("Ask the AI COO"),
            }
        return {
            "type": "ir.actions.act_window",
            "res_model": "aiom.action",
            "res_id": outcome["id"],
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "name": self.env._("Proposal by the AI planner"),
        }
