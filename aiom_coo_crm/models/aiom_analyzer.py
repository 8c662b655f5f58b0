from odoo import fields, models


class AiomAnalyzer(models.Model):
    _inherit = "aiom.analyzer"

    # Uninstalling this addon deletes its analyzers (their levels and follow-ups with them).
    code = fields.Selection(selection_add=[("stalled_deals", "Stalled deals")], ondelete={"stalled_deals": "cascade"})
    default_days = fields.Integer(
        string="Days",
        default=14,
        help="Stalled deals: days without customer contact or stage change, in the stages without their own.",
    )
    stage_ids = fields.One2many("aiom.analyzer.stage", "analyzer_id", string="Per-stage days", copy=True)
