from odoo import fields, models


class AiomAnalyzerStage(models.Model):
    """Days without contact after which a deal in this stage counts as stalled."""

    _name = "aiom.analyzer.stage"
    _description = "AI COO stalled-deal threshold per stage"
    _order = "analyzer_id, id"

    analyzer_id = fields.Many2one("aiom.analyzer", required=True, ondelete="cascade", index=True)
    # crm is optional: a reference by id rather than a Many2one to crm.stage.
    stage_model = fields.Char(default="crm.stage", required=True)
    stage_id = fields.Many2oneReference(model_field="stage_model", required=True)
    days = fields.Integer(required=True, default=14)
