from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..utils import selection_business_models


class AiomGuardrailRule(models.Model):
    """Allow or deny operations on one model, optionally limiting the fields the AI may write."""

    _name = "aiom.guardrail.rule"
    _description = "AI COO guardrail model rule"
    _order = "policy_id, model_name, id"

    policy_id = fields.Many2one("aiom.guardrail.policy", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    model_name = fields.Selection(selection_business_models, string="Model", required=True)
    effect = fields.Selection([("allow", "Allow"), ("deny", "Deny")], required=True, default="allow")
    allow_create = fields.Boolean(string="Create", default=True)
    allow_update = fields.Boolean(string="Update", default=True)
    allow_search = fields.Boolean(string="Search", default=True)
    allow_message = fields.Boolean(string="Post messages", default=True)
    allow_activity = fields.Boolean(string="Schedule activities", default=True)
    field_names = fields.Char(
        string="Writable fields",
        help="Allow rules: comma-separated fields the AI may write on this model; empty allows every field.",
    )

    @api.depends("model_name", "effect")
    def _compute_display_name(self):
        effects = dict(self._fields["effect"].selection)
        for rule in self:
            rule.display_name = f"{effects.get(rule.effect, '')} {rule.model_name or ''}".strip()

    @api.constrains("model_name", "field_names")
    def _check_field_names(self):
        for rule in self:
            unknown = rule._field_name_set() - set(self.env[rule.model_name]._fields)
            if unknown:
                raise ValidationError(
                    self.env._(
                        "%(model)s has no field %(fields)s.", model=rule.model_name, fields=", ".join(sorted(unknown))
                    )
                )

    def _field_name_set(self):
        return {name.strip() for name in (self.field_names or "").split(",") if name.strip()}
