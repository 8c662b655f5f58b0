from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date
from odoo.tools.translate import LazyTranslate

from .. import limits
from ..utils import record_link
from .aiom_step_handler import MODEL_SCHEMA, RECORD_ID_SCHEMA, StepType, step_parameters_schema, text_schema

_lt = LazyTranslate(__name__)
DEFAULT_ACTIVITY_TYPE = "mail.mail_activity_data_todo"


class AiomStepHandler(models.AbstractModel):
    """``activity_schedule``: an activity (to-do, call, ...) for a person on a record."""

    # One file per step type, by design: the type is this file and nothing else.
    _inherit = "aiom.step.handler"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _step_types(self):
        return {
            **super()._step_types(),
            "activity_schedule": StepType(
                label=_lt("Schedule an activity"),
                icon="fa-clock-o",
                operation="activity",
                auto_default=True,
                texts=("summary", "note"),
                schema=step_parameters_schema(
                    {
                        "model": MODEL_SCHEMA,
                        "res_id": RECORD_ID_SCHEMA,
                        "activity_type": {
                            "type": "string",
                            "maxLength": 128,
                            "description": f"XML id of the activity type (default {DEFAULT_ACTIVITY_TYPE})",
                        },
                        "summary": text_schema(limits.MAX_SHORT_TEXT, required=False),
                        "note": text_schema(limits.MAX_TEXT, required=False),
                        "date_deadline": {"type": "string", "maxLength": 32, "description": "YYYY-MM-DD"},
                        "days": {"type": "integer", "minimum": 0, "maximum": 3650, "description": "Due in N days"},
                        "user_id": {**RECORD_ID_SCHEMA, "description": "Assignee (an internal user's id)"},
                    },
                    required=("model", "res_id"),
                ),
            ),
        }

    @api.model
    def _normalize_activity_schedule(self, parameters, check):
        model = self._chatter_record(parameters, check, "activity_schedule")
        normalized = {**parameters, "activity_type": self._activity_type(parameters)}
        if "date_deadline" in parameters and not check.reference(parameters["date_deadline"]):
            normalized["date_deadline"] = self._date_value(parameters["date_deadline"], "date_deadline", "date")
        if parameters.get("user_id") is not None:
            normalized["user_id"] = self._record_id(parameters["user_id"], "res.users", check, "user_id")
            if not check.reference(normalized["user_id"]):
                user = self.env["res.users"].browse(normalized["user_id"])
                if user.share or not user.active:
                    raise ValidationError(self.env._("Activities are assigned to active internal users only."))
        if not check.reference(parameters["res_id"]):
            check.touch("activity", model=model._name, ids=[parameters["res_id"]])
        return normalized

    @api.model
    def _activity_type(self, parameters):
        xmlid = parameters.get("activity_type", DEFAULT_ACTIVITY_TYPE)
        # The xmlid table is cached: no query per step (env.ref would check the record's existence).
        model, res_id = self.env["ir.model.data"]._xmlid_to_res_model_res_id(xmlid, raise_if_not_found=False)
        if model != "mail.activity.type" or not res_id:
            raise ValidationError(self.env._("Activity type %r does not exist.", xmlid))
        return xmlid

    @api.model
    def _execute_activity_schedule(self, step, parameters):
        deadline = parameters.get("date_deadline")
        if deadline:
            deadline = fields.Date.to_date(deadline)
        else:
            deadline = fields.Date.context_today(self) + timedelta(days=parameters.get("days", 0))
        extra = {"user_id": parameters["user_id"]} if parameters.get("user_id") else {}
        activity = self._browse_existing(parameters["model"], parameters["res_id"]).activity_schedule(
            act_type_xmlid=parameters["activity_type"],
            date_deadline=deadline,
            summary=parameters.get("summary", ""),
            note=parameters.get("note", ""),
            automated=False,
            **extra,
        )
        return {"activity_id": activity.id}

    @api.model
    def _summary_activity_schedule(self, step, result):
        activity = self.env["mail.activity"].browse(result["activity_id"])
        record = self.env[activity.res_model].browse(activity.res_id)
        return Markup("%s %s") % (
            self.env._("Scheduled activity %r on", activity.summary or activity.activity_type_id.name),
            record_link(record),
        )

    @api.model
    def _preview_activity_schedule(self, step, parameters, preview):
        """The record, the activity type, the assignee by name and the deadline as a date."""
        where, _record, warnings = self._preview_landing(parameters, preview, "activity_schedule")
        activity_type = self.env.ref(parameters.get("activity_type") or DEFAULT_ACTIVITY_TYPE, raise_if_not_found=False)
        user_id = parameters.get("user_id")
        if preview.is_reference(user_id):
            assignee = preview.words(user_id)
        elif user_id:
            assignee = self._preview_names("res.users", [user_id], preview)
        else:
            assignee = self.env._("you (%s)", self.env.user.name)
        deadline = parameters.get("date_deadline")
        if preview.is_reference(deadline):
            due = preview.words(deadline)
        else:
            due = format_date(
                self.env,
                fields.Date.to_date(deadline)
                if deadline
                else fields.Date.context_today(self) + timedelta(days=parameters.get("days", 0)),
            )
        values = [
            {
                "label": self.env._("Activity"),
                "new": activity_type.name if activity_type else parameters.get("activity_type"),
            },
            {"label": self.env._("Assigned to"), "new": assignee},
            {"label": self.env._("Due"), "new": due},
        ]
        if parameters.get("summary"):
            values.append({"label": self.env._("Summary"), "new": preview.words(parameters["summary"])})
        return {
            "title": self.env._("Schedule an activity on %s", where),
            "values": values,
            "body": self._preview_html(text=preview.words(parameters["note"])) if parameters.get("note") else False,
            "warnings": warnings,
            "produces": self.env._("the activity scheduled by step %s", preview.index),
        }
