from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from .. import limits
from ..references import find_references
from .aiom_step_handler import DOMAIN_SCHEMA, MODEL_SCHEMA, StepType, step_parameters_schema

_lt = LazyTranslate(__name__)


class AiomStepHandler(models.AbstractModel):
    """``odoo_search``: read records, bounded by the floor, the proposer's rights and the policy."""

    # One file per step type, by design: the type is this file and nothing else.
    _inherit = "aiom.step.handler"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _step_types(self):
        return {
            **super()._step_types(),
            "odoo_search": StepType(
                label=_lt("Search records"),
                icon="fa-search",
                operation="search",
                auto_default=True,
                private_result=("records",),
                schema=step_parameters_schema(
                    {
                        "model": MODEL_SCHEMA,
                        "domain": DOMAIN_SCHEMA,
                        "fields": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 50,
                            "items": {"type": "string", "maxLength": 64},
                            "description": "Fields to read (default: display_name)",
                        },
                        "limit": {"type": "integer", "minimum": 1, "maximum": limits.SEARCH_LIMIT_MAX},
                        "order": {"type": "string", "maxLength": 200, "description": "e.g. 'create_date desc'"},
                    },
                    required=("model",),
                ),
            ),
        }

    @api.model
    def _normalize_odoo_search(self, parameters, check):
        model = self._model(parameters["model"], check)
        normalized = {
            **parameters,
            "domain": self._domain(model, parameters.get("domain", []), check),
            "fields": self._readable_fields(model, parameters.get("fields", ["display_name"]), check),
            "limit": parameters.get("limit", limits.SEARCH_LIMIT_DEFAULT),
        }
        if "order" in parameters:
            try:
                model._check_qorder(parameters["order"])
            except UserError as error:
                raise ValidationError(error.args[0]) from None
            names = [term.strip().split()[0].strip('"') for term in parameters["order"].split(",") if term.strip()]
            self._readable_fields(model, names, check)
        check.touch("search", model=model._name, domain=normalized["domain"], limit=normalized["limit"])
        return normalized

    @api.model
    def _execute_odoo_search(self, step, parameters):
        model = self.env[parameters["model"]]
        records = model.search(parameters["domain"], limit=parameters["limit"], order=parameters.get("order"))
        # The approver runs the search; only what the proposer may read comes back to them.
        proposer = step.action_id.proposed_by_id
        visible = records.with_user(proposer)._filtered_access("read").with_env(self.env)
        rows = visible.read(parameters["fields"])
        return {"model": model._name, "count": len(rows), "records": rows}

    @api.model
    def _summary_odoo_search(self, step, result):
        return self.env._(
            "Found %(count)s %(model)s record(s)", count=result["count"], model=self.env[result["model"]]._description
        )

    @api.model
    def _preview_odoo_search(self, step, parameters, preview):
        model = self.env[parameters["model"]]
        domain = parameters.get("domain") or []
        produces = self.env._(
            "the %(model)s records found by step %(step)s", model=model._description, step=preview.index
        )
        if any(True for _path in find_references(domain)):
            return {
                "title": self.env._("Search %s records (the criteria depend on earlier steps)", model._description),
                "produces": produces,
            }
        count = model.search_count(domain)
        limit = parameters.get("limit") or limits.SEARCH_LIMIT_DEFAULT
        notes = [self.env._("Reads at most %s of them.", limit)] if count > limit else []
        return {
            "title": self.env._("Search %(model)s records: %(count)s match now", model=model._description, count=count),
            "notes": notes,
            "produces": produces,
        }
