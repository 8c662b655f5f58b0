import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.models import MAGIC_COLUMNS
from odoo.osv import expression
from odoo.tools import json_default

from ..exceptions import GuardrailViolation
from ..references import is_reference

SEARCH_LIMIT_DEFAULT = 80
SEARCH_LIMIT_MAX = 500
# Built-in floor under any policy: the AI never touches security, configuration or user models.
DENIED_MODEL_PREFIXES = ("ir.", "res.users", "res.groups", "res.company", "base.", "bus.", "auth_")
DENIED_MODELS = {
    "res.config.settings",
    "res.config",
    "aiom.action",
    "aiom.action.step",
    "aiom.email.receipt",
    "aiom.guardrail.policy",
    "aiom.guardrail.rule",
    "aiom.guardrail.value.limit",
}
# Writing a link to these would grant rights or reach configuration through a business record.
RIGHTS_COMODELS = ("res.groups", "res.users.apikeys")


class AiomStepHandler(models.AbstractModel):
    """Registry of step types: one ``_validate_<type>`` and one ``_execute_<type>`` per type.

    Another addon adds a type with ``selection_add`` on ``action_type`` and the two methods in a
    model that ``_inherit``s this one; nothing here needs editing.
    """

    _name = "aiom.step.handler"
    _description = "AI COO step handlers"

    # ------------------------------------------------------------------ dispatch

    @api.model
    def validate(self, action_type, parameters):
        """Raise ValidationError when ``parameters`` cannot make a valid step of ``action_type``."""
        validator = getattr(self, f"_validate_{action_type}", None)
        if validator is None:
            raise ValidationError(self.env._("Unknown action type %r.", action_type))
        if not isinstance(parameters, dict):
            raise ValidationError(self.env._("Parameters must be a JSON object."))
        validator(parameters)

    @api.model
    def execute(self, step, parameters):
        """Run ``step`` with the current user's rights and resolved ``parameters``; return its JSON result."""
        result = getattr(self, f"_execute_{step.action_type}")(step, parameters)
        # Results are stored as JSON: dates and recordsets become plain values.
        return json.loads(json.dumps(result, default=json_default))

    @api.model
    def is_deferred(self, action_type):
        """Deferred steps (outside effects such as email) run after every ORM step succeeded."""
        return action_type in self._deferred_types()

    @api.model
    def _deferred_types(self):
        return set()

    # ------------------------------------------------------------------ shared checks

    @api.model
    def _model(self, parameters, key="model"):
        name = parameters.get(key)
        if not isinstance(name, str) or not name:
            raise ValidationError(self.env._("Parameter %r must name a model.", key))
        if name not in self.env:
            raise ValidationError(self.env._("Model %r does not exist.", name))
        model = self.env[name]
        if name in DENIED_MODELS or name.startswith(DENIED_MODEL_PREFIXES) or model._abstract or model._transient:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'built-in: security and configuration models': model %r is not open to AI COO actions.",
                    name,
                )
            )
        return model

    @api.model
    def _check_values(self, model, values):
        if not isinstance(values, dict) or not values:
            raise ValidationError(self.env._("Parameter 'values' must be a non-empty JSON object."))
        for name in values:
            field = model._fields.get(name)
            if field is None:
                raise ValidationError(self.env._("%(model)s has no field %(field)r.", model=model._name, field=name))
            if _grants_rights(field):
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail 'built-in: rights-granting fields': field %(field)r of %(model)s is not open to "
                        "AI COO actions.",
                        field=name,
                        model=model._name,
                    )
                )
            # Computed fields are writable when they have an inverse or are stored and editable.
            computed_only = field.compute and not field.inverse and (field.readonly or not field.store)
            if name in MAGIC_COLUMNS or computed_only:
                raise ValidationError(
                    self.env._("Field %(field)r of %(model)s cannot be written.", model=model._name, field=name)
                )

    @api.model
    def _check_domain(self, model, domain):
        if not isinstance(domain, list):
            raise ValidationError(self.env._("Parameter 'domain' must be a list."))
        try:
            for leaf in expression.normalize_domain(domain):
                if leaf in (expression.TRUE_LEAF, expression.FALSE_LEAF):
                    continue
                if isinstance(leaf, (list, tuple)):
                    if len(leaf) != 3 or not isinstance(leaf[0], str):
                        raise ValueError(leaf)
                    if leaf[0].split(".")[0] not in model._fields:
                        raise ValidationError(
                            self.env._("%(model)s has no field %(field)r.", model=model._name, field=leaf[0])
                        )
                elif leaf not in expression.DOMAIN_OPERATORS:
                    raise ValueError(leaf)
        except (ValueError, TypeError, AssertionError) as error:
            raise ValidationError(
                self.env._("Invalid domain %(domain)s: %(error)s", domain=domain, error=error)
            ) from None

    @api.model
    def _check_fields(self, model, field_names):
        if not isinstance(field_names, list) or not all(isinstance(name, str) for name in field_names):
            raise ValidationError(self.env._("Parameter 'fields' must be a list of field names."))
        unknown = [name for name in field_names if name not in model._fields]
        if unknown:
            raise ValidationError(
                self.env._("%(model)s has no field %(fields)s.", model=model._name, fields=", ".join(unknown))
            )

    @api.model
    def _check_record_id(self, parameters, key="res_id"):
        res_id = parameters.get(key)
        if not (isinstance(res_id, int) and not isinstance(res_id, bool) and res_id > 0) and not is_reference(res_id):
            raise ValidationError(self.env._("Parameter %r must be a record id.", key))

    @api.model
    def _record(self, parameters):
        record = self.env[parameters["model"]].browse(parameters["res_id"])
        if not record.exists():
            raise MissingError(
                self.env._(
                    "%(model)s record %(id)s does not exist.", model=parameters["model"], id=parameters["res_id"]
                )
            )
        return record

    @api.model
    def _check_text(self, parameters, key, required=True):
        value = parameters.get(key)
        if value is None and not required:
            return
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(self.env._("Parameter %r must be a non-empty text.", key))

    # ------------------------------------------------------------------ odoo_create

    @api.model
    def _validate_odoo_create(self, parameters):
        self._check_values(self._model(parameters), parameters.get("values"))

    @api.model
    def _execute_odoo_create(self, step, parameters):
        record = self.env[parameters["model"]].create(parameters["values"])
        return {"model": record._name, "record_id": record.id}

    # ------------------------------------------------------------------ odoo_update

    @api.model
    def _validate_odoo_update(self, parameters):
        model = self._model(parameters)
        self._check_values(model, parameters.get("values"))
        ids, domain = parameters.get("ids"), parameters.get("domain")
        if (ids is None) == (domain is None):
            raise ValidationError(self.env._("Give either 'ids' or 'domain' to say which records to update."))
        if ids is not None and not (
            is_reference(ids)
            or (isinstance(ids, list) and ids and all(isinstance(i, int) or is_reference(i) for i in ids))
        ):
            raise ValidationError(self.env._("Parameter 'ids' must be a non-empty list of record ids."))
        if domain is not None:
            self._check_domain(model, domain)

    @api.model
    def _execute_odoo_update(self, step, parameters):
        model = self.env[parameters["model"]]
        if parameters.get("ids") is not None:
            ids = parameters["ids"] if isinstance(parameters["ids"], list) else [parameters["ids"]]
            records = model.browse(ids)
            missing = set(ids) - set(records.exists().ids)
            if missing:
                raise MissingError(
                    self.env._("%(model)s records %(ids)s do not exist.", model=model._name, ids=sorted(missing))
                )
        else:
            records = model.search(parameters["domain"])
        records.write(parameters["values"])
        return {"model": model._name, "ids": records.ids, "count": len(records)}

    # ------------------------------------------------------------------ odoo_search

    @api.model
    def _validate_odoo_search(self, parameters):
        model = self._model(parameters)
        self._check_domain(model, parameters.get("domain", []))
        self._check_fields(model, parameters.get("fields", ["display_name"]))
        limit = parameters.get("limit", SEARCH_LIMIT_DEFAULT)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= SEARCH_LIMIT_MAX:
            raise ValidationError(self.env._("Parameter 'limit' must be between 1 and %s.", SEARCH_LIMIT_MAX))
        order = parameters.get("order")
        if order is not None:
            if not isinstance(order, str):
                raise ValidationError(self.env._("Parameter 'order' must be a text such as 'name desc'."))
            try:
                model._check_qorder(order)
            except UserError as error:
                raise ValidationError(error.args[0]) from None

    @api.model
    def _execute_odoo_search(self, step, parameters):
        model = self.env[parameters["model"]]
        records = model.search_read(
            parameters.get("domain", []),
            parameters.get("fields", ["display_name"]),
            limit=parameters.get("limit", SEARCH_LIMIT_DEFAULT),
            order=parameters.get("order"),
        )
        return {"model": model._name, "count": len(records), "records": records}

    # ------------------------------------------------------------------ message_post

    @api.model
    def _validate_message_post(self, parameters):
        model = self._model(parameters)
        if not hasattr(model, "message_post"):
            raise ValidationError(self.env._("%s has no chatter.", model._name))
        self._check_record_id(parameters)
        self._check_text(parameters, "body")
        if parameters.get("subtype", "note") not in ("note", "comment"):
            raise ValidationError(self.env._("Parameter 'subtype' must be 'note' or 'comment'."))

    @api.model
    def _execute_message_post(self, step, parameters):
        subtype = parameters.get("subtype", "note")
        # A plain str body is escaped by message_post: AI text never becomes markup.
        message = self._record(parameters).message_post(
            body=parameters["body"],
            message_type="comment",
            subtype_xmlid=f"mail.mt_{subtype}",
        )
        return {"message_id": message.id}

    # ------------------------------------------------------------------ activity_schedule

    @api.model
    def _validate_activity_schedule(self, parameters):
        model = self._model(parameters)
        if not hasattr(model, "activity_schedule"):
            raise ValidationError(self.env._("%s does not support activities.", model._name))
        self._check_record_id(parameters)
        self._check_text(parameters, "summary", required=False)
        self._activity_type(parameters)
        if "date_deadline" in parameters and not is_reference(parameters["date_deadline"]):
            try:
                fields.Date.to_date(parameters["date_deadline"])
            except (TypeError, ValueError):
                raise ValidationError(self.env._("Parameter 'date_deadline' must be a date (YYYY-MM-DD).")) from None
        days = parameters.get("days", 0)
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650:
            raise ValidationError(self.env._("Parameter 'days' must be a number of days between 0 and 3650."))
        user_id = parameters.get("user_id")
        if user_id is not None and not isinstance(user_id, int) and not is_reference(user_id):
            raise ValidationError(self.env._("Parameter 'user_id' must be a user id."))

    @api.model
    def _activity_type(self, parameters):
        xmlid = parameters.get("activity_type", "mail.mail_activity_data_todo")
        activity_type = self.env.ref(xmlid, raise_if_not_found=False) if isinstance(xmlid, str) else None
        if activity_type is None or activity_type._name != "mail.activity.type":
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
        activity = self._record(parameters).activity_schedule(
            act_type_xmlid=self._activity_type(parameters),
            date_deadline=deadline,
            summary=parameters.get("summary", ""),
            note=parameters.get("note", ""),
            automated=False,
            **extra,
        )
        return {"activity_id": activity.id}


def _grants_rights(field):
    comodel = getattr(field, "comodel_name", None) or ""
    if comodel in RIGHTS_COMODELS or comodel.startswith("ir."):
        return True
    # Linking users to a record (res.partner.user_ids) can create or re-parent accounts.
    return comodel == "res.users" and field.type in ("one2many", "many2many")
