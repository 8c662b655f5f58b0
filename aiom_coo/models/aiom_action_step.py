from odoo import api, fields, models
from odoo.exceptions import UserError

from ..utils import pretty_json
from .aiom_action import ACTION_TYPES, ENGINE, PENDING

STEP_STATES = [("pending", "Pending"), ("done", "Done"), ("failed", "Failed"), ("skipped", "Skipped")]
# Written by the engine only, like the action's own outcome fields.
PROTECTED_STEP_FIELDS = {"state", "result", "error_message"}
PLAN_STEP_FIELDS = {"name", "action_type", "parameters", "sequence", "action_id"}


class AiomActionStep(models.Model):
    _name = "aiom.action.step"
    _description = "AI COO action step"
    _order = "action_id, sequence, id"

    action_id = fields.Many2one("aiom.action", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="action_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, help="Unique within the action; later steps refer to it by this name.")
    action_type = fields.Selection(
        [item for item in ACTION_TYPES if item[0] != "workflow"], required=True, default="odoo_create"
    )
    parameters = fields.Json()
    state = fields.Selection(STEP_STATES, default="pending", required=True, readonly=True)
    result = fields.Json(readonly=True)
    error_message = fields.Text(readonly=True)
    parameters_display = fields.Text(string="Parameters (JSON)", compute="_compute_display")
    result_display = fields.Text(string="Result (JSON)", compute="_compute_display")

    _sql_constraints = [
        ("name_action_unique", "UNIQUE(action_id, name)", "Step names must be unique within an action."),
    ]

    @api.depends("parameters", "result")
    def _compute_display(self):
        for step in self:
            step.parameters_display = pretty_json(step.parameters)
            step.result_display = pretty_json(step.result)

    def _engine(self):
        return self.with_context(aiom_engine=ENGINE)

    def write(self, vals):
        if self.env.context.get("aiom_engine") is not ENGINE:
            protected = PROTECTED_STEP_FIELDS & set(vals)
            if protected:
                raise UserError(self.env._("Step results are written by the AI COO engine only."))
            if PLAN_STEP_FIELDS & set(vals) and any(step.action_id.state != PENDING for step in self):
                raise UserError(self.env._("Only a pending action's plan can be changed."))
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get("aiom_engine") is not ENGINE:
            for vals in vals_list:
                if PROTECTED_STEP_FIELDS & set(vals):
                    raise UserError(self.env._("Step results are written by the AI COO engine only."))
        return super().create(vals_list)
