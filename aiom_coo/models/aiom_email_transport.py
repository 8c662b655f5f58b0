import os

from odoo import api, models
from odoo.exceptions import UserError

from ..exceptions import TransientStepError
from ..smtp2go import DEFAULT_BASE_URL, Smtp2goClient, Smtp2goError

DEFAULT_TIMEOUT = 10.0


class AiomEmailTransport(models.AbstractModel):
    """Where AI COO emails leave Odoo: SMTP2GO's HTTP API.

    Everything that emails (an ``email_send`` step, a digest) calls ``_send`` with one email as a
    dict: ``sender``, ``to``, ``cc``, ``bcc`` (lists), ``subject``, ``text_body``, ``html_body``,
    ``reply_to``, ``attachments`` (SMTP2GO's shape: filename, fileblob, mimetype) and ``headers``.
    It returns ``{"provider", "email_id", "request_id"}`` or raises ``TransientStepError`` (may pass:
    retried later) or ``UserError``. Another transport overrides ``_send`` and ``_problem``.
    """

    _name = "aiom.email.transport"
    _description = "AI COO email transport"

    @api.model
    def _setting(self, key, default=None):
        # System parameters are readable by administrators only; whoever sends on the company's
        # behalf needs the provider's settings, which are never shown to them.
        return self.env["ir.config_parameter"].sudo().get_param(f"aiom_coo.{key}", default)

    @api.model
    def _problem(self):
        """Why an email could not be sent now (shown before anyone approves), or None."""
        if not (self._setting("smtp2go_api_key") or os.environ.get("SMTP2GO_API_KEY")):
            return self.env._("SMTP2GO API key is not configured")
        return None

    @api.model
    def _default_sender(self):
        return self._setting("default_sender")

    @api.model
    def _send(self, email):
        problem = self._problem()
        if problem:
            raise UserError(problem)
        client = Smtp2goClient(
            self._setting("smtp2go_api_key") or os.environ.get("SMTP2GO_API_KEY"),
            base_url=self._setting("smtp2go_base_url") or DEFAULT_BASE_URL,
            timeout=float(self._setting("smtp2go_timeout") or DEFAULT_TIMEOUT),
        )
        try:
            accepted = client.send(
                sender=email["sender"],
                to=email["to"],
                cc=email.get("cc") or [],
                bcc=email.get("bcc") or [],
                subject=email["subject"],
                text_body=email.get("text_body"),
                html_body=email.get("html_body"),
                reply_to=email.get("reply_to"),
                attachments=email.get("attachments") or [],
                custom_headers=email.get("headers"),
            )
        except Smtp2goError as error:
            raise (TransientStepError if error.transient else UserError)(str(error)) from None
        return {"provider": "smtp2go", "email_id": accepted["email_id"], "request_id": accepted["request_id"]}
