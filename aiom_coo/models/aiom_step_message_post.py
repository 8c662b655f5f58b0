from markupsafe import Markup

from odoo import api, models
from odoo.tools.translate import LazyTranslate

from .. import limits
from ..utils import record_link
from .aiom_step_handler import MODEL_SCHEMA, RECORD_ID_SCHEMA, StepType, step_parameters_schema, text_schema

_lt = LazyTranslate(__name__)


class AiomStepHandler(models.AbstractModel):
    """``message_post``: a note, or a comment that Odoo emails to the record's followers."""

    # One file per step type, by design: the type is this file and nothing else.
    _inherit = "aiom.step.handler"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _step_types(self):
        return {
            **super()._step_types(),
            "message_post": StepType(
                label=_lt("Post a message"),
                icon="fa-comment-o",
                operation="message",
                auto_default=True,
                texts=("body",),
                schema=step_parameters_schema(
                    {
                        "model": MODEL_SCHEMA,
                        "res_id": RECORD_ID_SCHEMA,
                        "body": text_schema(limits.MAX_TEXT, "Plain text; shown as written, never as HTML"),
                        "subtype": {
                            "type": "string",
                            "enum": ["note", "comment"],
                            "description": "note (internal) or comment (emailed to followers)",
                        },
                    },
                    required=("model", "res_id", "body"),
                ),
            ),
        }

    @api.model
    def _normalize_message_post(self, parameters, check):
        model = self._chatter_record(parameters, check, "message_post")
        normalized = {**parameters, "subtype": parameters.get("subtype", "note")}
        if check.reference(parameters["res_id"]):
            return normalized
        check.touch("message", model=model._name, ids=[parameters["res_id"]])
        if normalized["subtype"] == "comment":
            # A comment is emailed to the followers: outside ones make it an email like any other.
            outside = self._outside_followers(model.browse(parameters["res_id"]))
            if outside:
                check.touch("email", recipients=outside.mapped("email"), risk="medium")
        return normalized

    @api.model
    def _outside_followers(self, record):
        """Followers of ``record`` who are not internal users (customers, vendors, portal users)."""
        partners = record.message_partner_ids
        return partners.filtered(lambda partner: partner.email and not partner.user_ids.filtered(lambda u: not u.share))

    @api.model
    def _execute_message_post(self, step, parameters):
        record = self._browse_existing(parameters["model"], parameters["res_id"])
        outside = self._outside_followers(record) if parameters["subtype"] == "comment" else []
        # A plain str body is escaped by message_post: AI text never becomes markup.
        message = record.message_post(
            body=parameters["body"], message_type="comment", subtype_xmlid=f"mail.mt_{parameters['subtype']}"
        )
        result = {"message_id": message.id, "emailed": outside.mapped("email") if outside else []}
        if outside:
            # Counted with the other emails: the policy's daily volume includes chatter emails.
            self.env["aiom.email.receipt"]._store(
                step,
                {**result, "email_id": f"mail.message-{message.id}", "recipients": result["emailed"]},
                provider="chatter",
            )
        return result

    @api.model
    def _summary_message_post(self, step, result):
        message = self.env["mail.message"].browse(result["message_id"])
        record = self.env[message.model].browse(message.res_id)
        line = Markup("%s %s") % (self.env._("Posted a message on"), record_link(record))
        if result.get("emailed"):
            line += " " + self.env._("(emailed to %s)", ", ".join(result["emailed"]))
        return line

    @api.model
    def _preview_message_post(self, step, parameters, preview):
        """The record the message lands on, by name; a comment names the outside followers it emails."""
        where, record, warnings = self._preview_landing(parameters, preview, "message_post")
        notes = []
        if parameters.get("subtype") == "comment":
            outside = self._outside_followers(record) if record is not None else []
            if outside:
                notes.append(
                    self.env._(
                        "Emailed to the followers: %s",
                        ", ".join(f"{partner.name} <{partner.email}>" for partner in outside),
                    )
                )
            title = self.env._("Post a message to the followers of %s", where)
        else:
            title = self.env._("Post an internal note on %s", where)
        return {
            "title": title,
            "body": self._preview_html(text=preview.words(parameters.get("body") or "")),
            "notes": notes,
            "warnings": warnings,
            "produces": self.env._("the message posted by step %s", preview.index),
        }

    @api.model
    def _preview_landing(self, parameters, preview, capability):
        """Where a message or an activity lands: its name, the record (None for a reference or a
        record gone or hidden) and warnings."""
        model = self.env[parameters["model"]]
        res_id = parameters["res_id"]
        if preview.is_reference(res_id):
            return preview.words(res_id), None, []
        record = model.browse(res_id).exists()
        if not record:
            return (
                self.env._("%(model)s #%(id)s", model=model._description, id=res_id),
                None,
                [self.env._("This record no longer exists: approving would fail.")],
            )
        if not record.has_access("read"):
            return (
                self.env._("%(model)s #%(id)s", model=model._description, id=res_id),
                None,
                [self.env._("You may not read this record.")],
            )
        self._preview_drift(preview, record)
        return f"{record.display_name} ({model._description})", record, []
