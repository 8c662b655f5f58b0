from odoo import api, models


class AiomAnalyzer(models.Model):
    _inherit = "aiom.analyzer"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _demo_follow_up_overdue_invoices(self):
        """The brain loop's pass over the demo invoices, run for real as the operator; then the
        administrator executes the reminder without email, a customer pays before the approval of
        theirs (which then fails), and another pays meanwhile (the loop cancels the reminder)."""
        Action = self.env["aiom.action"]
        operator = self.env.ref("aiom_coo.user_aiom_operator")
        analyzer = self.env.ref("aiom_coo_account.analyzer_overdue_invoices")
        proposals = analyzer.with_user(operator)._run(batch_size=200).with_env(self.env)
        Action._demo_name(proposals, "aiom_coo_account")
        executed = Action._demo_proposal_for(self.env.ref("aiom_coo_account.demo_invoice_brightwell"))
        paid_first = self.env.ref("aiom_coo_account.demo_invoice_jackson")
        failed = Action._demo_proposal_for(paid_first)
        paid_meanwhile = self.env.ref("aiom_coo_account.demo_invoice_azure")
        self._demo_pay(paid_first)
        Action._demo_play([(executed, "approve", None), (failed, "approve", None)])
        self._demo_pay(paid_meanwhile)
        # The brain loop's next pass: the reminder of an invoice paid meanwhile is cancelled.
        self.env["aiom.followup"].with_user(operator)._stop_resolved(batch_size=200)

    @api.model
    def _demo_pay(self, invoice):
        if invoice.payment_state not in ("not_paid", "partial"):
            return
        register = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        )
        register.create({})._create_payments()
