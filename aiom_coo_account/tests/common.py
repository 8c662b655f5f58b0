from datetime import timedelta

from odoo import Command


def post_invoice(env, partner, due_date, amount=1000.0):
    """A posted customer invoice of ``amount`` for ``partner``, due on ``due_date``."""
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": due_date - timedelta(days=30),
            "invoice_date_due": due_date,
            "invoice_line_ids": [Command.create({"name": "Consulting", "quantity": 1, "price_unit": amount})],
        }
    )
    invoice.action_post()
    invoice.invoice_date_due = due_date  # posting recomputes it from the payment terms
    return invoice
