from odoo import fields, models


class AiomAnalyzer(models.Model):
    _inherit = "aiom.analyzer"

    # Uninstalling this addon deletes its analyzers (their levels and follow-ups with them).
    code = fields.Selection(
        selection_add=[("overdue_invoices", "Overdue invoices")], ondelete={"overdue_invoices": "cascade"}
    )
    grace_days = fields.Integer(default=3, help="Overdue invoices: days past due before anything is proposed.")
