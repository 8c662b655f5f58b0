import os

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize, html_sanitize

from ..exceptions import TransientStepError
from ..references import is_reference
from ..smtp2go import DEFAULT_BASE_URL, Smtp2goClient, Smtp2goError

DEFAULT_TIMEOUT = 10.0


class AiomStepHandler(models.AbstractModel):
    """The ``email_send`` step: SMTP2GO's HTTP API, sent once every ORM step has succeeded."""

    _inherit = "aiom.step.handler"

    # ------------------------------------------------------------------ settings

    @api.model
    def _email_setting(self, key, default=None):
        # System parameters are readable by administrators only; the approver needs the provider's
        # settings (never shown to them) to send on their behalf.
        return self.env["ir.config_parameter"].sudo().get_param(f"aiom_coo.{key}", default)

    @api.model
    def _smtp2go_client(self):
        api_key = self._email_setting("smtp2go_api_key") or os.environ.get("SMTP2GO_API_KEY")
        if not api_key:
            raise UserError(self.env._("SMTP2GO API key is not configured"))
        return Smtp2goClient(
            api_key,
            base_url=self._email_setting("smtp2go_base_url") or DEFAULT_BASE_URL,
            timeout=float(self._email_setting("smtp2go_timeout") or DEFAULT_TIMEOUT),
        )

    # ------------------------------------------------------------------ validation

    @api.model
    def _addresses(self, parameters, key, required=False):
        """The addresses of ``key`` as a list (a single text is accepted), or [] when absent."""
        value = parameters.get(key)
        if value in (None, "", []):
            if required:
                raise ValidationError(self.env._("Parameter %r must list at least one email address.", key))
            return []
        addresses = [value] if isinstance(value, str) else value
        if not isinstance(addresses, list) or not all(isinstance(item, str) for item in addresses):
            raise ValidationError(self.env._("Parameter %r must be a list of email addresses.", key))
        for address in addresses:
            if not is_reference(address) and not email_normalize(address):
                raise ValidationError(
                    self.env._("%(address)r in %(key)r is not a valid email address.", address=address, key=key)
                )
        return addresses

    @api.model
    def _validate_email_send(self, parameters):
        # How many recipients and which domains is the guardrail policy's call (aiom.guardrail.policy).
        for key in ("to", "cc", "bcc"):
            self._addresses(parameters, key, required=key == "to")
        self._check_text(parameters, "subject")
        if not parameters.get("body") and not parameters.get("html"):
            raise ValidationError(self.env._("Give the email a 'body' (text) or an 'html' body."))
        for key in ("sender", "reply_to"):
            value = parameters.get(key)
            if value and not is_reference(value) and not (isinstance(value, str) and email_normalize(value)):
                raise ValidationError(self.env._("Parameter %r must be an email address.", key))
        attachment_ids = parameters.get("attachment_ids", [])
        if not isinstance(attachment_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in attachment_ids
        ):
            raise ValidationError(self.env._("Parameter 'attachment_ids' must be a list of attachment ids."))
        headers = parameters.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise ValidationError(self.env._("Parameter 'headers' must map header names to texts."))

    # ------------------------------------------------------------------ execution

    @api.model
    def _execute_email_send(self, step, parameters):
        client = self._smtp2go_client()
        accepted_before = self.env["aiom.email.receipt"]._accepted_result(step)
        if accepted_before:
            # SMTP2GO accepted this step's email in an earlier attempt: never send it twice.
            return {**accepted_before, "already_sent": True}
        sender = parameters.get("sender") or self._email_setting("default_sender")
        if not sender:
            raise UserError(self.env._("No sender: set a default sender in Settings > AI COO or give 'sender'."))
        to, cc, bcc = (self._addresses(parameters, key) for key in ("to", "cc", "bcc"))
        try:
            accepted = client.send(
                sender=sender,
                to=to,
                cc=cc,
                bcc=bcc,
                subject=parameters["subject"],
                text_body=parameters.get("body"),
                html_body=html_sanitize(parameters["html"]) if parameters.get("html") else None,
                reply_to=parameters.get("reply_to"),
                attachments=self._email_attachments(parameters.get("attachment_ids", [])),
                custom_headers=parameters.get("headers"),
            )
        except Smtp2goError as error:
            raise (TransientStepError if error.transient else UserError)(str(error)) from None
        result = {
            "sent": True,
            "provider": "smtp2go",
            "email_id": accepted["email_id"],
            "request_id": accepted["request_id"],
            "recipients": to + cc + bcc,
            "subject": parameters["subject"],
        }
        self.env["aiom.email.receipt"]._store(step, result)
        return result

    @api.model
    def _email_attachments(self, attachment_ids):
        attachments = self.env["ir.attachment"].browse(attachment_ids)
        # Read as the approver: an attachment they may not read cannot be mailed through them.
        return [
            {"filename": attachment.name, "fileblob": attachment.datas.decode(), "mimetype": attachment.mimetype}
            for attachment in attachments
        ]

    @api.model
    def _deferred_types(self):
        return super()._deferred_types() | {"email_send"}
