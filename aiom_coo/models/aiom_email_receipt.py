from odoo import api, fields, models


class AiomEmailReceipt(models.Model):
    """Proof that a provider (SMTP2GO, or Odoo's outgoing mail server) accepted a step's email, kept
    even when the action rolls back.

    Receipts are written from their own transaction right after the provider answers, so that neither a
    rolled-back action nor a crashed worker can make a retry send the same email twice. They hold
    plain ids rather than foreign keys for the same reason: the row must not wait on the action's
    own transaction.
    """

    _name = "aiom.email.receipt"
    _description = "AI COO email receipt"
    _order = "id desc"
    _rec_name = "email_id"

    action_id = fields.Integer(required=True, index=True, readonly=True)
    step_id = fields.Integer(required=True, index=True, readonly=True)
    provider = fields.Selection(
        [
            ("smtp2go", "SMTP2GO"),
            ("odoo", "Odoo outgoing mail server"),
            ("chatter", "Chatter comment to followers"),
        ],
        default="smtp2go",
        required=True,
        readonly=True,
    )
    email_id = fields.Char(string="Email id", required=True, readonly=True)
    request_id = fields.Char(string="Provider request id", readonly=True)
    recipients = fields.Char(readonly=True)
    subject = fields.Char(readonly=True)
    result = fields.Json(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)

    @api.model
    def _accepted_result(self, step):
        """The result the provider gave for ``step`` in an earlier attempt, or None.

        Read through a fresh transaction: a receipt committed after this transaction began (by a
        worker that crashed, or by the attempt that just rolled back) must still be seen.
        """
        with self.env.registry.cursor() as cr:
            receipt = self.env(cr=cr)["aiom.email.receipt"].search([("step_id", "=", step.id)], limit=1)
            return dict(receipt.result) if receipt else None

    @api.model
    def _store(self, step, result, provider="smtp2go"):
        """Record that ``step`` emailed ``result["recipients"]``.

        A provider's acceptance is committed at once, in a transaction of its own (as the current
        user), because a rollback cannot call the email back. A chatter comment is emailed by Odoo's
        mail queue with this transaction, so its receipt goes with it.
        """
        vals = {
            "action_id": step.action_id.id,
            "step_id": step.id,
            "provider": provider,
            "email_id": result["email_id"],
            "request_id": result.get("request_id"),
            "recipients": ", ".join(result["recipients"]),
            "subject": result.get("subject"),
            "result": result,
            "company_id": step.action_id.company_id.id,
        }
        if provider == "chatter":
            self.create(vals)
            return
        with self.env.registry.cursor() as cr:
            self.env(cr=cr)["aiom.email.receipt"].create(vals)
