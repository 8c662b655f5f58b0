from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..utils import selection_business_models


class AiomGuardrailValueLimit(models.Model):
    """A numeric field above a threshold makes the action high risk, or blocks it."""

    _name = "aiom.guardrail.value.limit"
    _description = "AI COO guardrail value limit"
    _order = "policy_id, model_name, field_name"

    policy_id = fields.Many2one("aiom.guardrail.policy", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    model_name = fields.Selection(selection_business_models, string="Model", required=True)
    field_name = fields.Char(string="Field", required=True, help="A monetary, float or integer field.")
    max_value = fields.Float(string="Above", required=True)
    effect = fields.Selection(
        [("high_risk", "Needs high-risk approval"), ("block", "Block")], required=True, default="high_risk"
    )

    @api.depends("model_name", "field_name", "max_value")
    def _compute_display_name(self):
        for limit in self:
            limit.display_name = f"{limit.model_name}.{limit.field_name} > {limit.max_value:g}"

    @api.constrains("model_name", "field_name")
    def _check_field(self):
        for limit in self:
            field = self.env[limit.model_name]._fields.get(limit.field_name)
            if not field or field.type not in ("monetary", "float", "integer"):
                raise ValidationError(
                    self.env._(
                        "%(field)s is not a numeric field of %(model)s.", field=limit.field_name, model=limit.model_name
                    )
                )
