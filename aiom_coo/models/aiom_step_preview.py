"""What approving a plan will change, in words, before anyone approves it.

Each step type previews itself with ``_preview_<type>(step, parameters, preview)``; a type without
the hook gets a generic preview (its label and its parameters as text). Previews only read, with
the rights of the person looking (the approver): nothing runs, not even in a rolled-back
savepoint, since ``create`` overrides and mail can have effects of their own. References to
earlier steps are worded ("(the Contact created by step 1)"), references to the target read from
it. A record changed since the proposal (its ``write_date`` is later than the action's) is
flagged with what changed, read from its tracking when it has any.
"""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_amount, format_date, format_datetime, html2plaintext, html_sanitize, plaintext2html

from .. import references
from ..references import REFERENCE, UnresolvedReference

TEXT_PREVIEW = 300


class PlanPreview:
    """One action's preview under way: its target, what the earlier steps produce, the drift."""

    def __init__(self, env, action):
        self.env = env
        self.action = action
        self.since = action.create_date
        self.target = action._target_record()
        self.index = 0
        self.produced = {}  # step name -> "the Contact created by step 1"
        self.drift = []  # texts: what changed since the proposal
        self.names = {}  # (model, id) -> how the viewer reads it: names read once per plan
        self.amounts = {}  # (amount, currency id) -> formatted: the same new value on every record
        self._drift_seen = set()

    def words(self, value):
        """``value`` with its references worded: earlier steps by what they produce, the target
        by what it holds now (read with the viewer's rights)."""
        if not isinstance(value, str) or "{{" not in value:
            return value
        return REFERENCE.sub(lambda match: self._reference(match.group(1)), value).replace("\\{{", "{{")

    def is_reference(self, value):
        return references.is_whole_reference(value)

    def _reference(self, path):
        parts = path.split(".")
        if parts[0] == "steps" and len(parts) > 1:
            produced = self.produced.get(parts[1])
            if produced:
                return self.env._("(%s)", produced)
            return self.env._("(the result of step %r)", parts[1])
        if parts[0] == "target" and self.target is not None:
            handler = self.env["aiom.step.handler"]

            def reader(record, field_name):
                problem = handler._read_problem(record, field_name, self.env)
                if not problem and not record.has_access("read"):
                    problem = self.env._("you may not read %s", record.display_name)
                return problem

            try:
                value = references.lookup(path, {"target": self.target}, reader)
            except UnresolvedReference as error:
                return self.env._("(not available: %s)", error.reason)
            return "" if value in (None, False) else str(value)
        return self.env._("(not available: %s)", path)


class AiomStepHandler(models.AbstractModel):
    """The preview's dispatch and the readable values the step types' previews share."""

    # The preview's helpers, apart from the step types' normalisation and execution.
    _inherit = "aiom.step.handler"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _preview_plan(self, action):
        """The preview of ``action``'s plan: {"steps": [...], "drift": [texts]}.

        Each step: name, label, icon, title (one sentence), values (label, new), records (name,
        changes of label, old, new, warning), more (records not listed), body (HTML), notes and
        warnings (texts)."""
        preview = PlanPreview(self.env, action)
        if preview.target is not None:
            self._preview_drift(preview, preview.target)
        steps = []
        types = self._step_types()
        for index, step in enumerate(action.step_ids.sorted("sequence"), start=1):
            preview.index = index
            spec = types.get(step.action_type)
            hook = getattr(self, f"_preview_{step.action_type}", None)
            parameters = step.parameters or {}
            shown = (
                hook(step, parameters, preview) if hook and spec else self._preview_generic(step, parameters, preview)
            )
            # What later steps' references to this one are called: "the Contact created by step 1".
            produced = shown.pop("produces", None)
            if produced:
                preview.produced[step.name] = produced
            steps.append(
                {
                    "name": step.name,
                    "sequence": index,
                    "label": str(spec.label) if spec else step.action_type,
                    "icon": spec.icon if spec else "fa-question",
                    "title": "",
                    "values": [],
                    "records": [],
                    "more": 0,
                    "body": False,
                    "notes": [],
                    "warnings": [],
                    **shown,
                }
            )
        return {"steps": steps, "drift": preview.drift}

    @api.model
    def _preview_generic(self, step, parameters, preview):
        """A step type without a preview of its own: its parameters, worded."""
        return {
            "title": str(self._step_types()[step.action_type].label)
            if step.action_type in self._step_types()
            else step.action_type,
            "values": [
                {"label": key, "new": self._preview_text(preview.words(value) if isinstance(value, str) else value)}
                for key, value in parameters.items()
            ],
        }

    # ------------------------------------------------------------------ shared pieces

    @api.model
    def _preview_model_label(self, model_name):
        return self.env[model_name]._description if model_name in self.env else model_name

    @api.model
    def _preview_values(self, model, values, preview, record=None):
        """[{"label", "new"}] of ``values`` (field -> normalised value) on ``model``, in words."""
        rows = []
        for name, value in values.items():
            model_field = model._fields.get(name)
            if model_field is None:
                continue
            rows.append(
                {"label": model_field.string, "new": self._preview_value(model, model_field, value, preview, record)}
            )
        return rows

    @api.model
    def _preview_value(self, model, model_field, value, preview, record=None, values=None):
        """A normalised value of ``model_field`` as a person reads it: relations by name,
        selections by label, amounts with their currency, dates in the viewer's format."""
        if preview.is_reference(value):
            return preview.words(value)
        kind = model_field.type
        if kind == "boolean":
            return self.env._("Yes") if value else self.env._("No")
        if value is False or value is None or value == "":
            return self.env._("(empty)")
        if kind == "many2one":
            return self._preview_names(model_field.comodel_name, [value], preview)
        if kind in ("one2many", "many2many"):
            return self._preview_commands(model_field, value, preview)
        if kind == "selection":
            labels = dict(model_field._description_selection(self.env))
            return labels.get(value, str(value))
        if kind == "monetary":
            currency = self._preview_currency(model, model_field, record, values)
            if not currency:
                return str(value)
            key = (value, currency.id)
            if key not in preview.amounts:
                preview.amounts[key] = format_amount(self.env, value, currency)
            return preview.amounts[key]
        if kind == "date":
            return format_date(self.env, value)
        if kind == "datetime":
            return format_datetime(self.env, value)
        if kind == "html":
            return self._preview_text(html2plaintext(value))
        if isinstance(value, str):
            return self._preview_text(preview.words(value))
        return str(value)

    @api.model
    def _preview_text(self, text):
        text = text if isinstance(text, str) else str(text)
        return text if len(text) <= TEXT_PREVIEW else text[: TEXT_PREVIEW - 1] + "…"

    @api.model
    def _preview_currency(self, model, model_field, record, values):
        currency_field = model_field.get_currency_field(model) if hasattr(model_field, "get_currency_field") else None
        currency_field = currency_field or getattr(model_field, "currency_field", None) or "currency_id"
        if values and isinstance(values.get(currency_field), int):
            currency = self.env["res.currency"].browse(values[currency_field]).exists()
            if currency:
                return currency
        if record is not None and currency_field in record._fields:
            return record[currency_field] or self.env.company.currency_id
        return self.env.company.currency_id

    @api.model
    def _preview_names(self, model_name, ids, preview=None):
        """Display names of ``ids`` as the viewer reads them; one they cannot is said so. With a
        ``preview``, names are read once per plan (see ``_preview_prefetch_names``)."""
        concrete = [record_id for record_id in ids if isinstance(record_id, int)]
        names = preview.names if preview is not None else {}
        self._preview_prefetch_names(model_name, concrete, names)
        return ", ".join(names[(model_name, record_id)] for record_id in concrete)

    @api.model
    def _preview_prefetch_names(self, model_name, ids, names, existing=()):
        """Fill ``names`` with the display names of the ``ids`` not in it yet, in one read (and
        an existence check for those not known to exist: ``existing`` come from a relation)."""
        missing = [record_id for record_id in set(ids) if (model_name, record_id) not in names]
        if not missing:
            return
        unknown = [record_id for record_id in missing if record_id not in existing]
        records = self.env[model_name].browse(missing)
        if unknown:
            records = records.browse(set(missing) - set(unknown)) | records.browse(unknown).exists()
        readable = records._filtered_access("read")
        for record_id in missing:
            if record_id in readable._ids:
                names[(model_name, record_id)] = readable.browse(record_id).display_name
            elif record_id in records._ids:
                names[(model_name, record_id)] = self.env._("#%s (you may not read it)", record_id)
            else:
                names[(model_name, record_id)] = self.env._("#%s (no longer exists)", record_id)

    @api.model
    def _preview_commands(self, model_field, commands, preview):
        comodel = self.env[model_field.comodel_name]
        parts = []
        for command in commands or []:
            code = command[0]
            if code == 0:
                values = self._preview_values(comodel, command[2], preview)
                details = "; ".join(f"{row['label']}: {row['new']}" for row in values)
                parts.append(self.env._("new %(model)s (%(values)s)", model=comodel._description, values=details))
            elif code == 1:
                parts.append(
                    self.env._("changes to %s", self._preview_reference_or_names(comodel, command[1], preview))
                )
            elif code == 4:
                parts.append(self.env._("adds %s", self._preview_reference_or_names(comodel, command[1], preview)))
            elif code == 3:
                parts.append(self.env._("removes %s", self._preview_reference_or_names(comodel, command[1], preview)))
            elif code == 6:
                ids = command[2]
                named = (
                    preview.words(ids)
                    if preview.is_reference(ids)
                    else self._preview_names(comodel._name, ids, preview)
                )
                parts.append(self.env._("set to %s", named or self.env._("(none)")))
        return "; ".join(parts) or self.env._("(none)")

    @api.model
    def _preview_reference_or_names(self, model, value, preview):
        return (
            preview.words(value) if preview.is_reference(value) else self._preview_names(model._name, [value], preview)
        )

    @api.model
    def _preview_current(self, record, model_field):
        """The value ``record`` holds now, in the normalised form a plan gives (ids for relations)."""
        value = record[model_field.name]
        if model_field.type == "many2one":
            return value.id or False
        if model_field.type in ("one2many", "many2many"):
            return [[6, 0, value.ids]]
        if model_field.type in ("date", "datetime"):
            return fields.Datetime.to_string(value) if model_field.type == "datetime" else fields.Date.to_string(value)
        return value

    @api.model
    def _preview_record_label(self, record):
        """What to call ``record``: its name, when the viewer may read it."""
        return record.display_name if record.has_access("read") else self.env._("#%s", record.id)

    @api.model
    def _preview_drift(self, preview, records):
        """Flag the records of ``records`` written since the proposal, with what changed."""
        since = preview.since
        if not since or not records or "write_date" not in records._fields:
            return
        records = records.filtered(lambda record: (record._name, record.id) not in preview._drift_seen)
        # Records that are gone or hidden are flagged by the steps themselves.
        records = records.exists()._filtered_access("read")
        changed = records.filtered(lambda record: record.write_date and record.write_date > since)
        for record in records:
            preview._drift_seen.add((record._name, record.id))
        if not changed:
            return
        fields_changed = self._preview_tracked_fields(changed, since) if "message_ids" in changed._fields else {}
        for record in changed:
            names = sorted(set(fields_changed.get(record.id, [])))
            when = format_datetime(self.env, record.write_date)
            who = record.write_uid.display_name if record.write_uid else ""
            if names:
                text = self.env._(
                    "%(record)s changed since the proposal (%(when)s, %(who)s): %(fields)s.",
                    record=self._preview_record_label(record),
                    when=when,
                    who=who,
                    fields=", ".join(names),
                )
            else:
                text = self.env._(
                    "%(record)s changed since the proposal (%(when)s, %(who)s).",
                    record=self._preview_record_label(record),
                    when=when,
                    who=who,
                )
            preview.drift.append(text)

    @api.model
    def _preview_tracked_fields(self, records, since):
        """{record id: labels of the tracked fields changed since ``since``} that the viewer may read.

        Tracking values are readable by administrators only; the chatter shows them to everyone
        who reads the record (``mail.message._message_format`` reads them as superuser, filtered by
        the fields' groups). The same here, field labels only, for records the viewer reads."""
        readable = records._filtered_access("read")
        if not readable:
            return {}
        rows = (
            self.env["mail.tracking.value"]
            .sudo()
            .search_read(
                [
                    ("mail_message_id.model", "=", readable._name),
                    ("mail_message_id.res_id", "in", readable.ids),
                    ("mail_message_id.date", ">", since),
                ],
                ["field_id", "mail_message_id"],
            )
        )
        if not rows:
            return {}
        message_records = dict(
            self.env["mail.message"]
            .sudo()
            .browse({row["mail_message_id"][0] for row in rows})
            .mapped(lambda message: (message.id, message.res_id))
        )
        field_names = dict(
            self.env["ir.model.fields"]
            .sudo()
            .browse({row["field_id"][0] for row in rows})
            .mapped(lambda field: (field.id, field.name))
        )
        changed = {}
        for row in rows:
            model_field = readable._fields.get(field_names.get(row["field_id"][0]))
            if model_field is None or not model_field.is_accessible(self.env):
                continue
            changed.setdefault(message_records[row["mail_message_id"][0]], []).append(model_field.string)
        return changed

    @api.model
    def _preview_html(self, html=None, text=None):
        """A body as its reader will see it: sanitised HTML, or plain text made HTML."""
        if html:
            return Markup(html_sanitize(html))
        return Markup(plaintext2html(text or ""))
