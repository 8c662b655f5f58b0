from datetime import timedelta

from odoo import api, models


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

    def _find(self, analyzer, limit, id_range=None):
        """The findings of at most ``limit`` candidates of ``analyzer`` (customers, deals: never a
        candidate split over two batches); fewer than ``limit`` findings means no candidate is
        left, at least ``limit`` that the loop calls again. Dicts with ``key`` (why, for idempotency),
        ``targets`` (the records followed up), ``target`` (the record the proposal is about),
        ``level``, ``facts`` (plain values, for the wording), ``steps`` and ``name``.

        ``id_range`` ``(low, high)``, both included, keeps it to the candidates whose id (as
        ``_candidate_ids`` gives them) is in that range: the queued loop's independent jobs."""
        raise NotImplementedError

    def _candidate_ids(self, analyzer):
        """The ids of the candidates ``_find`` would consider now (deals, customers), ascending, read
        with one query: the queued loop cuts them into ``id_range`` ranges of at most a batch each.
        ``None``: this kind is not cut, one job runs its batches over all candidates."""
        return None

    @api.model
    def _range_domain(self, field, id_range):
        """The leaves keeping ``field`` (a candidate's id) within ``id_range``, none without one."""
        if not id_range:
            return []
        low, high = id_range
        return [(field, ">=", low), (field, "<=", high)]

    def _still_open(self, records):
        """The records whose situation still calls for the follow-up (e.g. invoices not paid)."""
        return records

    def _fingerprints(self, analyzer, records):
        """``{record id: text}``: what a finding says about each record that may change while its
        proposal waits (a balance, the last contact). A proposal whose records' fingerprints
        changed is withdrawn, at execution and by the loop, and the situation is proposed again as
        it is then. Nothing by default: only resolution (``_still_open``) counts."""
        return {}

    def _changed_message(self, records):
        """What changed for ``records`` since their proposal (see ``_fingerprints``), for people."""
        return self.env._("%s changed since it was proposed", ", ".join(records.mapped("display_name")))

    def _next_level(self, levels, followups, now):
        """The level due for one record of an episode, or nothing.

        ``levels`` are the analyzer's, by days; ``followups`` the record's follow-ups in the
        episode. A level is due once the previous one was sent (executed), the days between their
        thresholds after it was sent: the first email of an episode is always the first level, and
        no wording claims a reminder that never went out. A level a person turned down (or that
        still waits, failed or was withdrawn unsent) ends the sequence there: one live follow-up per
        record, and a person's rejection stands.
        """
        previous = None
        for level in levels:
            followup = followups.filtered(lambda f, lv=level: f.level_id == lv)[:1]
            if not followup:
                if previous is None:
                    return level
                sent = previous.action_id.executed_date
                if sent and sent + timedelta(days=level.days - previous.level_id.days) <= now:
                    return level
                return None
            if followup.action_id.state != "executed":
                return None
            previous = followup
        return None

    @api.model
    def _risk(self, emails_customer, final=False):
        """The one risk rule of follow-ups: an email to a customer is never low risk (medium; high
        for a final level); an activity for a colleague alone is low."""
        if not emails_customer:
            return "low"
        return "high" if final else "medium"

    def _explain(self, facts):
        """The rule-based wording of a finding: (rationale, confidence, risk level, expected value)."""
        return ", ".join(f"{key}: {value}" for key, value in facts.items()), 0.5, "medium", 0.0
