from odoo import api, models
from odoo.exceptions import MissingError, ValidationError
from odoo.tools.translate import LazyTranslate

from .. import limits
from .aiom_step_handler import (
    DOMAIN_SCHEMA,
    MODEL_SCHEMA,
    RECORD_ID_SCHEMA,
    REFERENCE_SCHEMA,
    VALUES_SCHEMA,
    StepType,
    step_parameters_schema,
)

_lt = LazyTranslate(__name__)


class AiomStepHandler(models.AbstractModel):
    """``odoo_update``: write the same values on records given by id or by a domain."""

    # One file per step type, by design: the type is this file and nothing else.
    _inherit = "aiom.step.handler"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _step_types(self):
        ids_schema = {
            "anyOf": [
                {"type": "array", "minItems": 1, "maxItems": limits.MAX_IDS, "items": RECORD_ID_SCHEMA},
                REFERENCE_SCHEMA,
            ]
        }
        return {
            **super()._step_types(),
            "odoo_update": StepType(
                label=_lt("Update records"),
                icon="fa-pencil-square-o",
                operation="update",
                schema=step_parameters_schema(
                    {"model": MODEL_SCHEMA, "ids": ids_schema, "domain": DOMAIN_SCHEMA, "values": VALUES_SCHEMA},
                    required=("model", "values"),
                ),
            ),
        }

    @api.model
    def _normalize_odoo_update(self, parameters, check):
        model = self._model(parameters["model"], check)
        ids, domain = parameters.get("ids"), parameters.get("domain")
        if (ids is None) == (domain is None):
            raise ValidationError(self.env._("Give either 'ids' or 'domain' to say which records to update."))
        normalized = dict(parameters)
        if ids is not None:
            normalized["ids"] = ids = self._record_ids(ids, model._name, check)
        else:
            normalized["domain"] = self._domain(model, domain, check)
        concrete_ids = None if ids is None or check.reference(ids) else ids
        normalized["values"] = self._values(
            model, parameters["values"], check, "update", concrete_ids, domain=normalized.get("domain")
        )
        return normalized

    @api.model
    def _execute_odoo_update(self, step, parameters):
        model = self.env[parameters["model"]]
        if parameters.get("ids") is not None:
            ids = parameters["ids"]
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

    @api.model
    def _summary_odoo_update(self, step, result):
        return self.env._(
            "Updated %(count)s %(model)s record(s)", count=result["count"], model=self.env[result["model"]]._description
        )
