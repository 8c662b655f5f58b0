from odoo import api, models
from odoo.exceptions import ValidationError

from odoo.addons.aiom_coo.models.aiom_step_handler import (
    MODEL_SCHEMA,
    RECORD_ID_SCHEMA,
    StepType,
    step_parameters_schema,
)


class AiomStepHandler(models.AbstractModel):
    """``record_archive``: archive records. The whole step type is this file."""

    _inherit = "aiom.step.handler"

    @api.model
    def _step_types(self):
        return {
            **super()._step_types(),
            "record_archive": StepType(
                label="Archive records",
                icon="fa-archive",
                operation="update",
                schema=step_parameters_schema(
                    {"model": MODEL_SCHEMA, "ids": {"type": "array", "minItems": 1, "items": RECORD_ID_SCHEMA}},
                    required=("model", "ids"),
                ),
            ),
        }

    @api.model
    def _normalize_record_archive(self, parameters, check):
        model = self._model(parameters["model"], check)
        if "active" not in model._fields:
            raise ValidationError(self.env._("%s records cannot be archived.", model._name))
        ids = self._record_ids(parameters["ids"], model._name, check)
        # What the guardrails judge: an update of the active field of these records.
        self._values(model, {"active": False}, check, "update", ids=ids)
        return {**parameters, "ids": ids}

    @api.model
    def _execute_record_archive(self, step, parameters):
        records = self.env[parameters["model"]].browse(parameters["ids"]).exists()
        records.action_archive()
        return {"model": records._name, "ids": records.ids, "count": len(records)}

    @api.model
    def _summary_record_archive(self, step, result):
        return self.env._("Archived %(count)s %(model)s record(s)", count=result["count"], model=result["model"])
