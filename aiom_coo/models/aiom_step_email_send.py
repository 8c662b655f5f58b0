from odoo import api, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import email_normalize, html_sanitize
from odoo.tools.translate import LazyTranslate

from .. import limits
from .aiom_step_handler import StepType, step_parameters_schema, text_schema

_lt = LazyTranslate(__name__)
ADDRESS_SCHEMA = {"type": "string", "maxLength": 254}
ADDRESSES_SCHEMA = {
    "anyOf": [
        ADDRESS_SCHEMA,
        {"type": "array", "maxItems": limits.MAX_RECIPIENTS, "items": ADDRESS_SCHEMA},
    ]
}
# Headers a plan may set: threading only. Anything else (Return-Path, Bcc, X-...) is refused.
ALLOWED_HEADERS = ("In-Reply-To", "References")


class AiomStepHandler(models.AbstractModel):
    """``email_send``: an email through SMTP2GO's HTTP API, sent once every ORM step has succeeded."""

    # One file per step type, by design: the type is this file and nothing else.
    _inherit = "aiom.step.handler"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _step_types(self):
        return {
            **super()._step_types(),
            "email_send": StepType(
                label=_lt("Send an email"),
                icon="fa-envelope-o",
                operation="email",
                deferred=True,
                # An email to a customer always waits for a person.
                automatic=False,
                texts=("subject", "body"),
                schema=step_parameters_schema(
                    {
                        "to": ADDRESSES_SCHEMA,
                        "cc": ADDRESSES_SCHEMA,
                        "bcc": ADDRESSES_SCHEMA,
                        "subject": text_schema(limits.MAX_SHORT_TEXT),
                        "body": text_schema(limits.MAX_TEXT, "Plain-text body", required=False),
                        "html": text_schema(limits.MAX_HTML, "HTML body (sanitised before sending)", required=False),
                        "sender": {**ADDRESS_SCHEMA, "description": "An allowed sender; default: the configured one"},
                        "reply_to": {
                            **ADDRESS_SCHEMA,
                            "description": "An internal user's or an allowed sender's address",
                        },
                        "attachment_ids": {
                            "type": "array",
                            "maxItems": limits.MAX_ATTACHMENTS,
                            "items": {"type": "integer", "minimum": 1},
                        },
                        "headers": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {name: {"type": "string", "maxLength": 998} for name in ALLOWED_HEADERS},
                        },
                    },
                    required=("to", "subject"),
                ),
            ),
        }

    # ------------------------------------------------------------------ normalisation

    @api.model
    def _addresses(self, parameters, key, check, required=False):
        """The addresses of ``key`` as a list (a single text is accepted), or [] when absent."""
        value = parameters.get(key)
        if value in (None, "", []):
            if required:
                raise ValidationError(self.env._("Parameter %r must list at least one email address.", key))
            return []
        addresses = [value] if isinstance(value, str) else value
        for address in addresses:
            if not check.holds_reference(address) and not email_normalize(address):
                raise ValidationError(
                    self.env._("%(address)r in %(key)r is not a valid email address.", address=address, key=key)
                )
        return addresses

    @api.model
    def _normalize_email_send(self, parameters, check):
        normalized = dict(parameters)
        addresses = {key: self._addresses(parameters, key, check, required=key == "to") for key in ("to", "cc", "bcc")}
        normalized.update({key: value for key, value in addresses.items() if key in parameters})
        if not parameters.get("body") and not parameters.get("html"):
            raise ValidationError(self.env._("Give the email a 'body' (text) or an 'html' body."))
        for key in ("sender", "reply_to"):
            value = parameters.get(key)
            if value and not check.holds_reference(value) and not email_normalize(value):
                raise ValidationError(self.env._("Parameter %r must be an email address.", key))
        attachment_ids = parameters.get("attachment_ids") or []
        if attachment_ids:
            # Mailed as the approver, but only what the proposer could read themselves.
            self._readable_attachments(attachment_ids, check)
        recipients = [address for key in ("to", "cc", "bcc") for address in addresses[key]]
        check.touch(
            "email",
            recipients=recipients,
            sender=parameters.get("sender"),
            reply_to=parameters.get("reply_to"),
            risk="medium",
        )
        return normalized

    @api.model
    def _readable_attachments(self, attachment_ids, check):
        # Attachments have access rules of their own (those of the record they belong to).
        attachments = check.proposer_env["ir.attachment"].browse(attachment_ids)
        try:
            if len(attachments.exists()) != len(set(attachment_ids)):
                raise AccessError(attachment_ids)
            attachments.check("read")
        except AccessError:
            raise ValidationError(
                self.env._(
                    "Attachment(s) %(ids)s do not exist or %(user)s may not read them.",
                    ids=", ".join(map(str, attachment_ids)),
                    user=check.proposer.name,
                )
            ) from None

    # ------------------------------------------------------------------ execution

    @api.model
    def _execute_email_send(self, step, parameters):
        transport = self.env["aiom.email.transport"]
        problem = transport._problem()
        if problem:
            raise UserError(problem)
        accepted_before = self.env["aiom.email.receipt"]._accepted_result(step)
        if accepted_before:
            # The provider accepted this step's email in an earlier attempt: never send it twice.
            return {**accepted_before, "already_sent": True}
        sender = parameters.get("sender") or transport._default_sender()
        if not sender:
            raise UserError(self.env._("No sender: set a default sender in Settings > AI COO or give 'sender'."))
        to, cc, bcc = (parameters.get(key) or [] for key in ("to", "cc", "bcc"))
        accepted = transport._send(
            {
                "sender": sender,
                "to": to,
                "cc": cc,
                "bcc": bcc,
                "subject": parameters["subject"],
                "text_body": parameters.get("body"),
                "html_body": html_sanitize(parameters["html"]) if parameters.get("html") else None,
                "reply_to": parameters.get("reply_to"),
                "attachments": self._email_attachments(parameters.get("attachment_ids", [])),
                "headers": parameters.get("headers"),
            }
        )
        result = {"sent": True, **accepted, "recipients": to + cc + bcc, "subject": parameters["subject"]}
        self.env["aiom.email.receipt"]._store(step, result, provider=accepted["provider"])
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
    def _summary_email_send(self, step, result):
        text = self.env._(
            "Emailed %(subject)r to %(recipients)s (%(provider)s email id %(email_id)s)",
            subject=result["subject"],
            recipients=", ".join(result["recipients"]),
            provider=dict(self.env["aiom.email.receipt"]._fields["provider"].selection).get(result.get("provider"), ""),
            email_id=result["email_id"],
        )
        if result.get("already_sent"):
            text += " " + self.env._("(accepted in an earlier attempt, not sent again)")
        return text
