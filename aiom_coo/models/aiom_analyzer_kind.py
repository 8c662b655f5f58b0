from odoo import models


class AiomAnalyzerKind(models.AbstractModel):
    """What a kind of analyzer knows: what it watches, what it finds and how it explains it.

    An addon adds a kind with an ``aiom.analyzer.<code>`` model inheriting this one and a
    ``selection_add`` on ``aiom.analyzer.code`` (the bridges ``aiom_coo_crm`` and ``aiom_coo_account``
    are the examples): the core knows no business app.
    """

    _name = "aiom.analyzer.kind"
    _description = "AI COO analyzer kind"

    # The model of the records it follows up, shown on the analyzer ("Watches").
    _watched_model = None

    def _find(self, analyzer, limit):
        """At most ``limit`` findings of ``analyzer``: dicts with ``key`` (why, for idempotency),
        ``targets`` (the records followed up), ``target`` (the record the proposal is about),
        ``level``, ``facts`` (plain values, for the wording), ``steps`` and ``name``."""
        raise NotImplementedError

    def _still_open(self, records):
        """The records whose situation still calls for the follow-up (e.g. invoices not paid)."""
        return records

    def _explain(self, facts):
        """The rule-based wording of a finding: (rationale, confidence, risk level, expected value)."""
        return ", ".join(f"{key}: {value}" for key, value in facts.items()), 0.5, "medium", 0.0
