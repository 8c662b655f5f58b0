from odoo import fields, models


class AiomAnalyzer(models.Model):
    _inherit = "aiom.analyzer"

    # Uninstalling this addon deletes its analyzers (their levels and follow-ups with them).
    code = fields.Selection(
        selection_add=[
            ("stalled_deals", "Stalled deals"),
            ("unanswered_emails", "Customer emails waiting for an answer"),
        ],
        ondelete={"stalled_deals": "cascade", "unanswered_emails": "cascade"},
    )
    answer_hours = fields.Integer(
        string="Answer within (business hours)",
        default=4,
        help="Customer emails waiting for an answer: business hours (the company's working time) after which "
        "an incoming email on an open opportunity that nobody answered gets a proposal.",
    )
    default_days = fields.Integer(
        string="Days",
        default=14,
        help="Stalled deals: days without customer contact or stage change, in the stages without their own.",
    )
    stage_ids = fields.One2many("aiom.analyzer.stage", "analyzer_id", string="Per-stage days", copy=True)
