from odoo import api, fields, models

MAX_INVOICES = 5


class AiomPlanner(models.AbstractModel):
    _inherit = "aiom.planner"

    @api.model
    def _partner_facts(self, partner, record):
        """The partner's posted customer invoices still to be paid (bounded), as the requester sees them."""
        facts = super()._partner_facts(partner, record)
        Move = record.env["account.move"]
        if not Move.has_access("read"):
            return facts
        invoices = Move.search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "=", self.env.company.id),
            ],
            order="invoice_date_due, id",
            limit=MAX_INVOICES,
        )
        today = fields.Date.context_today(self)
        facts["open_invoices"] = [
            {
                "ref": f"account.move,{invoice.id}",
                "number": invoice.name,
                "amount_due": invoice.amount_residual,
                "currency": invoice.currency_id.name,
                "due_date": fields.Date.to_string(invoice.invoice_date_due),
                "days_overdue": max((today - invoice.invoice_date_due).days, 0) if invoice.invoice_date_due else 0,
            }
            for invoice in invoices
        ]
        return facts
