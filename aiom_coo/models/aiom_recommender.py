from odoo import api, models


class AiomRecommender(models.AbstractModel):
    """Turns an analyzer's finding into a proposal: wording, confidence, risk and value.

    This one is rule-based and needs no outside service: each kind of analyzer explains its own
    findings (``aiom.analyzer.<code>._explain``). An LLM-backed one can override ``_recommend``
    and fall back to ``super()``.
    """

    _name = "aiom.recommender"
    _description = "AI COO recommender"

    @api.model
    def _recommend(self, analyzer, finding):
        rationale, confidence, risk_level, value = analyzer._kind()._explain(finding["facts"])
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
