from odoo import api, models
from odoo.exceptions import MissingError, ValidationError
from odoo.tools.translate import LazyTranslate

from .. import limits, references
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

    @api.model
    def _preview_odoo_update(self, step, parameters, preview):
        """Per record: each field that changes, as it is now and as it will be (the first
        records, then a count); records gone or that the viewer may not change are flagged."""
        model = self.env[parameters["model"]]
        values = parameters.get("values") or {}
        produces = self.env._(
            "the %(model)s records updated by step %(step)s", model=model._description, step=preview.index
        )
        ids = parameters.get("ids")
        warnings = []
        if ids is not None and preview.is_reference(ids):
            return {
                "title": self.env._("Update %(records)s", records=preview.words(ids)),
                "values": self._preview_values(model, values, preview),
                "produces": produces,
            }
        if ids is not None:
            concrete = [record_id for record_id in ids if isinstance(record_id, int)]
            records = model.browse(concrete)
            existing = records.exists()
            missing = [record_id for record_id in concrete if record_id not in existing.ids]
            references_in_ids = [preview.words(item) for item in ids if preview.is_reference(item)]
            count = len(concrete) + len(references_in_ids)
        else:
            if preview.is_reference(parameters.get("domain")) or any(
                True for _p in references.find_references(parameters.get("domain"))
            ):
                return {
                    "title": self.env._("Update the %s records the search finds at execution", model._description),
                    "values": self._preview_values(model, values, preview),
                    "produces": produces,
                }
            count = model.search_count(parameters["domain"])
            existing = model.search(parameters["domain"], limit=limits.PREVIEW_RECORDS)
            missing, references_in_ids = [], []
        readable = existing._filtered_access("read")
        writable = readable._filtered_access("write")
        self._preview_drift(preview, readable)
        listed = existing[: limits.PREVIEW_RECORDS]
        # The names of every relation, now and to be, read together rather than record by record.
        for name, value in values.items():
            model_field = model._fields.get(name)
            if model_field is not None and model_field.type == "many2one":
                current = (listed & readable).mapped(name).ids
                new = [value] if isinstance(value, int) and not isinstance(value, bool) else []
                self._preview_prefetch_names(model_field.comodel_name, current + new, preview.names, set(current))
        shown = []
        for record in listed:
            if record not in readable:
                shown.append(
                    {
                        "name": self.env._("#%s", record.id),
                        "changes": [],
                        "warning": self.env._("You may not read this record."),
                    }
                )
                continue
            changes = []
            for name, value in values.items():
                model_field = model._fields.get(name)
                if model_field is None:
                    continue
                current = self._preview_current(record, model_field)
                new = value
                if not preview.is_reference(value) and current == new:
                    continue
                changes.append(
                    {
                        "label": model_field.string,
                        "old": self._preview_value(model, model_field, current, preview, record),
                        "new": self._preview_value(model, model_field, new, preview, record, values),
                    }
                )
            warning = False
            if record not in writable:
                warning = self.env._("You may not change this record: approving would fail.")
            elif not changes:
                warning = self.env._("Already holds these values: nothing changes.")
            shown.append({"name": record.display_name, "changes": changes, "warning": warning})
        for record_id in missing:
            shown.append(
                {
                    "name": self.env._("#%s", record_id),
                    "changes": [],
                    "warning": self.env._("This record no longer exists: approving would fail."),
                }
            )
        unknown = self.env._("(as it is then)")
        for text in references_in_ids:
            changes = [{**row, "old": unknown} for row in self._preview_values(model, values, preview)]
            shown.append({"name": text, "changes": changes, "warning": False})
        if missing:
            warnings.append(self.env._("%s record(s) no longer exist.", len(missing)))
        if len(readable) != len(writable):
            warnings.append(self.env._("You may not change %s of these records.", len(readable) - len(writable)))
        return {
            "title": self.env._("Update %(count)s %(model)s record(s)", count=count, model=model._description),
            "records": shown,
            "more": max(0, count - len(references_in_ids) - len(missing) - min(len(existing), limits.PREVIEW_RECORDS)),
            "warnings": warnings,
            "produces": produces,
        }
