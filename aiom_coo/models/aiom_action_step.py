from odoo import api, fields, models

from ..utils import pretty_json

STEP_STATES = [("pending", "Pending"), ("done", "Done"), ("failed", "Failed"), ("skipped", "Skipped")]


class AiomActionStep(models.Model):
    """One step of an action's plan. Written by the engine only: the plan an approver reads is
    the plan that runs (an injected or edited step would run with nobody having seen it)."""

    _name = "aiom.action.step"
    _description = "AI COO action step"
    _inherit = ["aiom.engine.guard"]
    _order = "action_id, sequence, id"

    action_id = fields.Many2one("aiom.action", required=True, ondelete="cascade", index=True)
    # Computed before the insert: no UPDATE per step after creating the plan.
    company_id = fields.Many2one(related="action_id.company_id", store=True, index=True, precompute=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, help="Unique within the action; later steps refer to it by this name.")
    action_type = fields.Selection(selection="_selection_action_type", required=True)
    type_icon = fields.Char(compute="_compute_type_icon")
    parameters = fields.Json()
    state = fields.Selection(STEP_STATES, default="pending", required=True, readonly=True)
    result = fields.Json(readonly=True)
    private_result = fields.Boolean(
        readonly=True, help="The result holds what only the proposer and approvers may read (found records)."
    )
    error_message = fields.Text(readonly=True)
    parameters_display = fields.Text(string="Parameters (JSON)", compute="_compute_display")
    result_display = fields.Text(string="Result (JSON)", compute="_compute_display")

    _sql_constraints = [
        ("name_action_unique", "UNIQUE(action_id, name)", "Step names must be unique within an action."),
    ]

    @api.model
    def _selection_action_type(self):
        return self.env["aiom.step.handler"]._selection()

    @api.depends("action_type")
    def _compute_type_icon(self):
        types = self.env["aiom.step.handler"]._step_types()
        for step in self:
            spec = types.get(step.action_type)
            step.type_icon = spec.icon if spec else "fa-question"

    @api.depends("parameters", "result")
    def _compute_display(self):
        for step in self:
            step.parameters_display = pretty_json(step.parameters)
            step.result_display = pretty_json(step.result)
