from odoo import api, fields, models

from .aiom_action import BLOCKED, CANCELLED, EXECUTED, EXPIRED, FAILED, PENDING, REJECTED

# Kanban columns of the Action Inbox, left to right: what needs a person first, closed work last.
INBOX_COLUMNS = [PENDING, FAILED, BLOCKED, EXECUTED, REJECTED, CANCELLED, EXPIRED]


class AiomAction(models.Model):
    """What the Action Inbox needs beyond the engine: its columns and a search by target."""

    # One file per job (inbox, dashboard) beside the engine, which keeps each one small.
    _inherit = "aiom.action"  # pylint: disable=consider-merging-classes-inherited

    state = fields.Selection(group_expand="_group_expand_inbox_states")
    # Pivots and graphs average a confidence; a sum of confidences means nothing.
    confidence = fields.Float(aggregator="avg")
    target_name = fields.Char(string="Target name", compute="_compute_target_name", search="_search_target_name")

    @api.model
    def _group_expand_inbox_states(self, states, domain):
        # Every main column, even empty, in inbox order; a transient state (approved) only when used.
        return INBOX_COLUMNS + [state for state in states if state not in INBOX_COLUMNS]

    @api.depends("target_ref")
    def _compute_target_name(self):
        for action in self:
            action.target_name = action.target_ref.display_name if action.target_ref else False

    @api.model
    def _search_target_name(self, operator, value):
        """Actions whose target record's name matches, in every target model the user may read."""
        if operator not in ("ilike", "=", "like", "=ilike") or not isinstance(value, str):
            return [("id", "=", False)]
        domain = []
        for (model,) in self._read_group([("target_model", "!=", False)], ["target_model"]):
            if model not in self.env or not self.env[model].has_access("read"):
                continue
            records = self.env[model].search([("display_name", operator, value)], limit=1000)
            if records:
                domain.append(["&", ("target_model", "=", model), ("target_res_id", "in", records.ids)])
        if not domain:
            return [("id", "=", False)]
        return ["|"] * (len(domain) - 1) + [leaf for part in domain for leaf in part]
