from odoo import fields, models


class AiomAnalyzerLevel(models.Model):
    """One step of a follow-up sequence: when it applies and what it says.

    Email wording takes ``$placeholders`` (string.Template: no code, no attribute access):
    $partner, $documents, $amount, $days, $level, $salesperson, $company.
    """

    _name = "aiom.analyzer.level"
    _description = "AI COO follow-up level"
    _order = "analyzer_id, days, id"

    analyzer_id = fields.Many2one("aiom.analyzer", required=True, ondelete="cascade", index=True)
    name = fields.Char(required=True, translate=True)
    days = fields.Integer(
        required=True, help="From how many days it applies, as its analyzer counts them (past due, without contact...)."
    )
    email_subject = fields.Char(translate=True)
    email_body = fields.Text(translate=True)
    schedule_activity = fields.Boolean(string="Also schedule an activity", default=True)
    activity_summary = fields.Char(translate=True)
