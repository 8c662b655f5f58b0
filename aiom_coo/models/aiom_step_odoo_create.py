from markupsafe import Markup

from odoo import api, models
from odoo.tools.translate import LazyTranslate

from ..utils import record_link
from .aiom_step_handler import MODEL_SCHEMA, VALUES_SCHEMA, StepType, step_parameters_schema

_lt = LazyTranslate(__name__)


class AiomStepHandler(models.AbstractModel):
    """``odoo_create``: create one record (its x2many values may create related records)."""

    # One file per step type, by design: the type is this file and nothing else.
    _inherit = "aiom.step.handler"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _step_types(self):
        return {
            **super()._step_types(),
            "odoo_create": StepType(
                label=_lt("Create a record"),
                icon="fa-plus-square-o",
                operation="create",
                schema=step_parameters_schema(
                    {"model": MODEL_SCHEMA, "values": VALUES_SCHEMA}, required=("model", "values")
                ),
            ),
        }

    @api.model
    def _normalize_odoo_create(self, parameters, check):
        model = self._model(parameters["model"], check)
        return {**parameters, "values": self._values(model, parameters["values"], check, "create")}

    @api.model
    def _execute_odoo_create(self, step, parameters):
        record = self.env[parameters["model"]].create(parameters["values"])
        return {"model": record._name, "record_id": record.id}

    @api.model
    def _summary_odoo_create(self, step, result):
        record = self.env[result["model"]].browse(result["record_id"])
        return Markup("%s %s") % (self.env._("Created %s", record._description), record_link(record))

    @api.model
    def _preview_odoo_create(self, step, parameters, preview):
        model = self.env[parameters["model"]]
        values = parameters.get("values") or {}
        rows = [
            {
                "label": model._fields[name].string,
                "new": self._preview_value(model, model._fields[name], value, preview, values=values),
            }
            for name, value in values.items()
            if name in model._fields
        ]
        warnings = []
        if not model.has_access("create"):
            warnings.append(self.env._("You may not create %s records: approving would fail.", model._description))
        return {
            "title": self.env._("Create a %s", model._description),
            "values": rows,
            "warnings": warnings,
            "produces": self.env._(
                "the %(model)s created by step %(step)s", model=model._description, step=preview.index
            ),
        }
