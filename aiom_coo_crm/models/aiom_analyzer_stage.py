from odoo import fields, models


class AiomAnalyzerStage(models.Model):
    """Days without contact after which a deal in this stage counts as stalled."""

    _name = "aiom.analyzer.stage"
    _description = "AI COO stalled-deal threshold per stage"
    _order = "analyzer_id, id"

    analyzer_id = fields.Many2one("aiom.analyzer", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="analyzer_id.company_id", store=True, index=True)
    stage_id = fields.Many2one("crm.stage", required=True, ondelete="cascade")
    days = fields.Integer(required=True, default=14)
