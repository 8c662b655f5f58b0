from odoo import api, models

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


class AiomRecommender(models.AbstractModel):
    """Turns an analyzer's finding into a proposal: wording, confidence, risk and value.

    This one is rule-based and needs no outside service; an LLM-backed one can override
    ``_recommend`` and fall back to ``super()``.
    """

    _name = "aiom.recommender"
    _description = "AI COO recommender"

    @api.model
    def _recommend(self, analyzer, finding):
        facts = finding["facts"]
        explain = getattr(self, f"_explain_{analyzer.code}", self._explain_default)
        rationale, confidence, risk_level, value = explain(facts)
        target = finding["target"]
        return {
            "name": finding["name"],
            "rationale": rationale,
            "confidence": round(confidence, 2),
            "risk_level": risk_level,
            "priority": self._priority(value),
            "expected_value": value,
            "target": {"model": target._name, "id": target.id},
            "steps": finding["steps"],
        }

    @api.model
    def _recorded(self, action, vals):
        """Called once the proposal made of ``vals`` is stored as ``action``; keys of ``vals``
        starting with ``_`` are the recommender's own notes, not proposal fields."""
        return None

    @api.model
    def _priority(self, value):
        return "3" if value >= 10000 else "2" if value >= 2500 else "1" if value >= 500 else "0"

    @api.model
    def _explain_default(self, facts):
        return ", ".join(f"{key}: {value}" for key, value in facts.items()), 0.5, "medium", 0.0

    @api.model
    def _explain_overdue_invoices(self, facts):
        rank = facts["level_rank"]
        count = facts["invoice_count"]
        rationale = self.env._(
            "%(partner)s: %(count)s, %(amount)s, %(days)s days overdue, %(rank)s reminder (%(level)s).",
            partner=facts["partner"],
            count=self.env._("%s invoices", count) if count > 1 else self.env._("1 invoice"),
            amount=facts["amount_text"],
            days=facts["days_overdue"],
            rank=ORDINALS.get(rank, f"{rank}th"),
            level=facts["level"],
        )
        if not facts["has_email"]:
            rationale += " " + self.env._("No email address on the customer: an activity for the accountant instead.")
        # An email to a customer is never low risk; a final notice is high. Without an email, the
        # accountant's activity alone is low risk.
        risk = "high" if rank >= 3 else "medium" if facts["has_email"] else "low"
        confidence = min(0.95, 0.8 + 0.05 * min(facts["days_overdue"] // 7, 3)) - 0.05 * (rank - 1)
        return rationale, confidence, risk, facts["amount"]

    @api.model
    def _explain_stalled_deals(self, facts):
        rationale = self.env._(
            "%(deal)s (%(partner)s, %(amount)s, %(stage)s): no customer contact or stage change for %(days)s days. "
            "%(level)s: an activity for %(salesperson)s and a drafted email to the customer.",
            deal=facts["deal"],
            partner=facts["partner"] or self.env._("no contact"),
            amount=facts["amount_text"],
            stage=facts["stage"],
            days=facts["days_stalled"],
            level=facts["level"],
            salesperson=facts["salesperson"] or self.env._("the team"),
        )
        confidence = 0.6 + 0.1 * min(facts["days_stalled"] // 14, 3)
        # The email goes to a customer: never low risk.
        risk = "medium" if facts["has_email"] else "low"
        return rationale, min(confidence, 0.9), risk, facts["expected_revenue"] * (facts["probability"] or 10) / 100
