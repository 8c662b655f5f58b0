from datetime import timedelta

from odoo import Command
from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase


class AiomCase(TransactionCase):
    """Users for each AI COO group and a customer to act on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, mail_notrack=False))
        cls.user = new_test_user(cls.env, "aiom_user", groups="aiom_coo.group_aiom_user", name="Una User")
        cls.approver = new_test_user(
            cls.env,
            "aiom_approver",
            groups="aiom_coo.group_aiom_approver,base.group_partner_manager",
            name="Alex Approver",
        )
        # An approver without the contact-creation right: what the AI may do is bounded by it.
        cls.limited_approver = new_test_user(
            cls.env, "aiom_limited_approver", groups="aiom_coo.group_aiom_approver", name="Lee Limited"
        )
        cls.manager = new_test_user(
            cls.env, "aiom_manager", groups="aiom_coo.group_aiom_manager,base.group_partner_manager", name="Max Manager"
        )
        cls.customer = cls.env["res.partner"].create({"name": "Azure Test Customer", "email": "azure@example.com"})
        cls.Action = cls.env["aiom.action"]

    def propose(self, user=None, **vals):
        vals.setdefault("name", "Test proposal")
        return self.Action.with_user(user or self.user).propose(vals)

    def propose_create_partner(self, name="Created by AI", **vals):
        return self.propose(
            action_type="odoo_create", parameters={"model": "res.partner", "values": {"name": name}}, **vals
        )

    def flush_tracking(self):
        """Write pending tracking messages, as the end of a request would."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def chatter(self, record):
        """The record's messages, read with the test's own rights (tracking values need them)."""
        self.flush_tracking()
        return record.with_env(self.env).message_ids.sorted("id")


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
