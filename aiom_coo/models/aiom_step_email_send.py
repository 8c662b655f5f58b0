from markupsafe import Markup

from odoo import Command, api, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import email_normalize, html_sanitize, plaintext2html
from odoo.tools.translate import LazyTranslate

from .. import limits
from ..utils import record_link
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
    """``email_send``: an email through the configured transport (SMTP2GO, or Odoo's outgoing mail
    server), sent once every ORM step has succeeded and logged on the chatter of the record it is about."""

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
    def _problems_email_send(self, actions):
        """Why the emails of these actions could not be sent now, before anyone approves them:
        {action id: text}. One look at the transport for the whole batch (a page of cards); the
        plans are read only when a company has no default sender, for the steps that name none."""
        transport = self.env["aiom.email.transport"]
        problem = transport._problem()
        if problem:
            return dict.fromkeys(actions.ids, problem)
        senders = {company: transport._default_sender(company) for company in actions.company_id}
        unsent = actions.filtered(lambda action: not senders[action.company_id])
        if not unsent:
            return {}
        steps = self.env["aiom.action.step"].search_read(
            [("action_id", "in", unsent.ids), ("action_type", "=", "email_send")], ["action_id", "parameters"]
        )
        return {row["action_id"][0]: self._no_sender() for row in steps if not (row["parameters"] or {}).get("sender")}

    @api.model
    def _execute_email_send(self, step, parameters):
        transport = self.env["aiom.email.transport"]
        problem = transport._problem()
        if problem:
            raise UserError(problem)
        accepted_before = self.env["aiom.email.receipt"]._accepted_result(step)
        if accepted_before:
            # The provider accepted this step's email in an earlier attempt: never send it twice.
            result = {**accepted_before, "already_sent": True}
            self._log_email(step, parameters, result)
            return result
        sender = parameters.get("sender") or transport._default_sender(step.action_id.company_id)
        if not sender:
            raise UserError(self._no_sender())
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
        result = {
            "sent": True,
            **accepted,
            "sender": sender,
            "recipients": to + cc + bcc,
            "subject": parameters["subject"],
        }
        self.env["aiom.email.receipt"]._store(step, result, provider=accepted["provider"])
        self._log_email(step, parameters, result)
        return result

    @api.model
    def _no_sender(self):
        return self.env._(
            "No sender: set a default sender in Settings > AI COO > Email (or, with Odoo's outgoing mail, "
            "the company's email address), or give 'sender'."
        )

    @api.model
    def _kept_email_send(self, step, parameters, result):
        """The action rolled back after this email was accepted: its chatter entry is written again."""
        self._log_email(step, parameters, result)

    # ------------------------------------------------------------------ chatter

    @api.model
    def _log_email(self, step, parameters, result):
        """Show the email where people look: on the chatter of the record the action is about (the
        lead, the invoice, the customer), else on the action, as an outgoing email with its
        recipients, subject, body and attachments and a link back to the action.

        It is a log: nobody is notified and nothing is emailed (no followers, no partners, no
        ``mail.mail``). It is written once per accepted email: a retry after a rollback or a crash
        writes it only if it is missing. Internal: blind copies are listed, portal users never see it.
        """
        action = step.action_id
        target = action._target_record()
        record = target if target is not None and hasattr(target, "message_post") else action
        message_id = self._log_message_id(step, result)
        # Written as superuser, as Odoo's own _message_log writes logs: an audit entry of what the
        # approver's approval sent, on a record whose chatter the approver may only be able to read.
        messages = self.env["mail.message"].sudo()
        if messages.search_count(
            [("model", "=", record._name), ("res_id", "=", record.id), ("message_id", "=", message_id)], limit=1
        ):
            return
        messages.create(
            {
                "model": record._name,
                "res_id": record.id,
                "record_name": record.sudo().display_name,
                "message_type": "email_outgoing",
                "subtype_id": self.env.ref("mail.mt_comment").id,
                "is_internal": True,
                "author_id": self.env.user.partner_id.id,
                "email_from": result.get("sender") or parameters.get("sender") or self.env.user.email_formatted,
                "reply_to": parameters.get("reply_to") or result.get("sender") or False,
                "subject": parameters["subject"],
                "body": self._log_body(action, parameters, result),
                "message_id": message_id,
                "attachment_ids": [
                    Command.link(attachment_id) for attachment_id in parameters.get("attachment_ids") or []
                ],
            }
        )

    @api.model
    def _log_message_id(self, step, result):
        """The chatter entry's Message-Id: the email's own when the provider is Odoo (so that a reply
        finds the record), else one made of the provider's id; the same on every attempt."""
        email_id = str(result.get("email_id") or "")
        if email_id.startswith("<") and email_id.endswith(">"):
            return email_id
        return f"<aiom-step-{step.id}.{result.get('provider') or 'email'}.{email_id}@aiom-coo>"

    @api.model
    def _log_body(self, action, parameters, result):
        lines = Markup("")
        for key, label in (("to", self.env._("To")), ("cc", self.env._("Cc")), ("bcc", self.env._("Bcc"))):
            addresses = parameters.get(key) or []
            if addresses:
                lines += Markup("<b>%s:</b> %s<br/>") % (label, ", ".join(addresses))
        if parameters.get("html"):
            content = html_sanitize(parameters["html"])
        else:
            content = plaintext2html(parameters.get("body") or "")
        provider = dict(self.env["aiom.email.receipt"]._fields["provider"]._description_selection(self.env)).get(
            result.get("provider"), result.get("provider") or ""
        )
        footer = self.env._(
            "Sent by the AI COO action %(action)s through %(provider)s (email id %(email_id)s)%(again)s.",
            action=record_link(action),
            provider=provider,
            email_id=result.get("email_id"),
            again=self.env._(", accepted in an earlier attempt") if result.get("already_sent") else "",
        )
        return (
            Markup('<p class="o_aiom_email_header">%s</p>') % lines
            + Markup('<div class="o_aiom_email_body">%s</div>') % Markup(content)
            + Markup('<p class="o_aiom_email_footer text-muted small">%s</p>') % footer
        )

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

    # ------------------------------------------------------------------ preview

    @api.model
    def _preview_email_send(self, step, parameters, preview):
        """Recipients by name and address, the subject, the body as the customer will see it and
        the attachments by name."""
        values = []
        for key, label in (("to", self.env._("To")), ("cc", self.env._("Cc")), ("bcc", self.env._("Bcc"))):
            addresses = [preview.words(address) for address in parameters.get(key) or []]
            if addresses:
                values.append({"label": label, "new": self._preview_recipients(addresses)})
        sender = parameters.get("sender") or self.env["aiom.email.transport"]._default_sender(step.action_id.company_id)
        values.append(
            {"label": self.env._("From"), "new": preview.words(sender) or self.env._("(no sender configured)")}
        )
        if parameters.get("reply_to"):
            values.append({"label": self.env._("Reply to"), "new": preview.words(parameters["reply_to"])})
        values.append({"label": self.env._("Subject"), "new": preview.words(parameters.get("subject") or "")})
        warnings = []
        attachment_ids = parameters.get("attachment_ids") or []
        if attachment_ids:
            attachments = self.env["ir.attachment"].browse(attachment_ids).exists()
            try:
                attachments.check("read")
                names = ", ".join(attachments.mapped("name"))
            except AccessError:
                names = self.env._("%s attachment(s)", len(attachment_ids))
                warnings.append(self.env._("You may not read the attachments: approving would fail."))
            if len(attachments) != len(set(attachment_ids)):
                warnings.append(self.env._("An attachment no longer exists: approving would fail."))
            values.append({"label": self.env._("Attachments"), "new": names})
        html = parameters.get("html")
        body = (
            self._preview_html(html=preview.words(html))
            if html
            else self._preview_html(text=preview.words(parameters.get("body")))
        )
        return {
            "title": self.env._("Send an email: %s", preview.words(parameters.get("subject") or "")),
            "values": values,
            "body": body,
            "warnings": warnings,
            "produces": self.env._("the email sent by step %s", preview.index),
        }

    @api.model
    def _preview_recipients(self, addresses):
        """ "Name <address>" for the addresses of known contacts the viewer may read."""
        normalized = {address: email_normalize(address) for address in addresses}
        partners = self.env["res.partner"].search_read(
            [("email_normalized", "in", [value for value in normalized.values() if value])],
            ["name", "email_normalized"],
        )
        names = {row["email_normalized"]: row["name"] for row in partners}
        return ", ".join(
            f"{names[normalized[address]]} <{address}>" if normalized.get(address) in names else address
            for address in addresses
        )
