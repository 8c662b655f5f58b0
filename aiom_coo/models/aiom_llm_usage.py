from odoo import api, fields, models


class AiomLlmUsage(models.Model):
    """Tokens one LLM call cost: per proposal, summed per month for the budget."""

    _name = "aiom.llm.usage"
    _inherit = ["aiom.engine.guard"]
    _description = "AI COO LLM token usage"
    # Written by the engine only: nobody can inflate (or erase) a month's spending by RPC.
    _engine_fields = None
    _order = "create_date desc, id desc"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    month = fields.Char(
        required=True, index=True, default=lambda self: fields.Date.context_today(self).strftime("%Y-%m")
    )
    action_id = fields.Many2one("aiom.action", ondelete="set null", index=True)
    analyzer_id = fields.Many2one("aiom.analyzer", ondelete="set null")
    purpose = fields.Selection(
        [("wording", "Wording"), ("planner", "Planner")],
        default="wording",
        required=True,
        help="Wording: the recommender reworded a rule-based proposal; Planner: the LLM drafted a plan.",
    )
    user_id = fields.Many2one("res.users", string="Requested by", ondelete="set null")
    model_name = fields.Char(string="LLM model")
    accepted = fields.Boolean(help="The answer was used; otherwise the rule-based proposal was kept.")
    prompt_tokens = fields.Integer(aggregator="sum")
    completion_tokens = fields.Integer(aggregator="sum")
    total_tokens = fields.Integer(aggregator="sum")

    @api.model
    def _month_total(self, company):
        """Tokens spent by ``company`` this month (calendar month, today in the user's timezone)."""
        month = fields.Date.context_today(self).strftime("%Y-%m")
        groups = self._read_group([("company_id", "=", company.id), ("month", "=", month)], [], ["total_tokens:sum"])
        return groups[0][0] or 0
