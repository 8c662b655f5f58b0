from collections import defaultdict
from datetime import timedelta

from odoo import fields, models
from odoo.tools import format_amount

from odoo.addons.aiom_coo.references import fill

CUSTOMER_FACING = ("email", "comment")


class AiomAnalyzerStalledDeals(models.AbstractModel):
    """Stalled deals: open opportunities without customer contact or stage change for too long."""

    _name = "aiom.analyzer.stalled_deals"
    _inherit = "aiom.analyzer.kind"
    _description = "AI COO analyzer: stalled deals"
    _watched_model = "crm.lead"

    def _still_open(self, leads):
        return leads.filtered_domain([("active", "=", True), ("probability", "<", 100), ("type", "=", "opportunity")])

    def _contact_domain(self):
        """The messages that are contact with the customer: an email or comment exchanged in the
        chatter (not the AI COO's own follow-up emails, logged as outgoing emails), and a completed
        activity (a logged call, a meeting), as salespeople record them."""
        return [
            "|",
            "&",
            ("message_type", "in", CUSTOMER_FACING),
            ("subtype_id", "=", self.env.ref("mail.mt_comment").id),
            ("mail_activity_type_id", "!=", False),
        ]

    def _stalled_domain(self, analyzer, days):
        cutoff = fields.Datetime.now() - timedelta(days=days)
        return [
            ("date_last_stage_update", "<", cutoff),
            ("message_ids", "not any", [("date", ">=", cutoff), *self._contact_domain()]),
            ("activity_ids", "not any", [("date_deadline", ">=", fields.Date.context_today(self))]),
        ]

    def _fingerprints(self, analyzer, leads):
        # When the silence began: a contact or a stage change since the proposal withdraws it.
        last_contact = self._last_customer_contact(analyzer, leads)
        return {lead.id: f"{self._silent_since(lead, last_contact):%Y-%m-%d %H:%M:%S}" for lead in leads}

    def _changed_message(self, leads):
        return self.env._(
            "there was contact with the customer, or a stage change, on %s since the proposal",
            ", ".join(leads.mapped("name")),
        )

    def _silent_since(self, lead, last_contact):
        return max(filter(None, [lead.date_last_stage_update, last_contact.get(lead.id)]))

    def _candidate_ids(self, analyzer):
        domain = self._stalled_deals_domain(analyzer)
        return self.env["crm.lead"].search(domain, order="id").ids if domain else []

    def _stalled_deals_domain(self, analyzer):
        """The stalled deals without a follow-up waiting; ``None`` when the analyzer has no level."""
        if not analyzer.level_ids:
            return None
        base = [
            ("type", "=", "opportunity"),
            ("active", "=", True),
            ("probability", "<", 100),
            ("company_id", "in", (analyzer.company_id.id, False)),
        ]
        by_stage = {line.stage_id.id: line.days for line in analyzer.stage_ids}
        # One SQL query: each configured stage with its own threshold, the others with the default.
        alternatives = [
            [("stage_id", "=", stage_id), *self._stalled_domain(analyzer, days)] for stage_id, days in by_stage.items()
        ]
        alternatives.append(
            [("stage_id", "not in", list(by_stage)), *self._stalled_domain(analyzer, analyzer.default_days)]
        )
        domain = (
            base
            + ["|"] * (len(alternatives) - 1)
            + [leaf for alternative in alternatives for leaf in _and(alternative)]
        )
        # A deal whose follow-up still waits for a decision (or an execution) gets no other one.
        domain.append(("id", "not in", analyzer._followed_up(waiting_states=("pending", "approved", "failed"))))
        return domain

    def _find(self, analyzer, limit, id_range=None):
        """Follow-ups for at most ``limit`` stalled deals; fewer means none is left.

        The stalled deals are read page by page until ``limit`` of them are due for a level: a
        deal whose sequence is over for this silence (every level sent, or one turned down) does
        not hold a place in the batch.
        """
        domain = self._stalled_deals_domain(analyzer)
        if domain is None:
            return []
        domain = domain + self._range_domain("id", id_range)
        levels = analyzer.level_ids.sorted("days")
        by_stage = {line.stage_id.id: line.days for line in analyzer.stage_ids}
        now = fields.Datetime.now()
        findings = []
        offset = 0
        while len(findings) < limit:
            leads = self.env["crm.lead"].search(domain, limit=limit, offset=offset, order="expected_revenue desc, id")
            if not leads:
                break
            offset += len(leads)
            last_contact = self._last_customer_contact(analyzer, leads)
            history = self.env["aiom.followup"].search(
                [
                    ("analyzer_id", "=", analyzer.id),
                    ("target_model", "=", "crm.lead"),
                    ("target_res_id", "in", leads.ids),
                    ("state", "=", "live"),
                ]
            )
            # Each deal's follow-ups, grouped once: filtering the page's whole history for every
            # deal grew with the square of the page (a million comparisons for a page of 1,000).
            followups = defaultdict(history.browse)
            for followup in history:
                followups[followup.target_res_id] |= followup
            for lead in leads:
                since = self._silent_since(lead, last_contact)
                # This silence's follow-ups: those proposed after it began.
                episode = followups[lead.id].filtered(lambda f, since=since: f.date >= since)
                level = self._next_level(levels, episode, now)
                stale_days = (now - since).days
                threshold = by_stage.get(lead.stage_id.id, analyzer.default_days)
                if level and (level != levels[0] or threshold + level.days <= stale_days):
                    findings.append(self._deal_finding(analyzer, lead, level, since, stale_days))
                if len(findings) >= limit:
                    break
        return findings

    def _last_customer_contact(self, analyzer, leads):
        if not leads:
            return {}
        groups = self.env["mail.message"]._read_group(
            [("model", "=", "crm.lead"), ("res_id", "in", leads.ids), *self._contact_domain()],
            ["res_id"],
            ["date:max"],
        )
        return dict(groups)

    def _deal_finding(self, analyzer, lead, level, since, stale_days):
        customer_email = lead.partner_id.email or lead.email_from
        facts = {
            "deal": lead.name,
            "partner": lead.partner_id.name or lead.contact_name or lead.email_from or "",
            "stage": lead.stage_id.name,
            "expected_revenue": lead.expected_revenue,
            "amount_text": format_amount(
                self.env, lead.expected_revenue, lead.company_currency or analyzer.company_id.currency_id
            ),
            "probability": lead.probability,
            "days_stalled": stale_days,
            "level": level.name,
            "level_rank": list(analyzer.level_ids.sorted("days")).index(level) + 1,
            "has_email": bool(customer_email),
            "salesperson": lead.user_id.name or "",
        }
        placeholders = {
            "partner": facts["partner"],
            "documents": lead.name,
            "amount": facts["amount_text"],
            "days": stale_days,
            "level": level.name,
            "salesperson": lead.user_id.name or analyzer.company_id.name,
            "company": analyzer.company_id.name,
        }
        steps = [
            {
                "name": "salesperson_activity",
                "action_type": "activity_schedule",
                "parameters": {
                    "model": "crm.lead",
                    "res_id": lead.id,
                    "summary": fill(level.activity_summary or "Follow up with $partner", placeholders),
                    "days": 0,
                    **analyzer._assignee(lead.user_id),
                },
            }
        ]
        if customer_email:
            steps.append(
                {
                    "name": "customer_email",
                    "action_type": "email_send",
                    "parameters": {
                        "to": [customer_email],
                        "subject": fill(level.email_subject or "$documents", placeholders),
                        "body": fill(level.email_body or "", placeholders),
                        **({"reply_to": lead.user_id.email} if lead.user_id.email else {}),
                    },
                }
            )
        return {
            "key": f"lead:{lead.id}:since:{since:%Y-%m-%d}:level:{level.id}",
            "targets": lead,
            "target": lead,
            "level": level,
            "facts": facts,
            "steps": steps,
            "name": self.env._("Follow up on %(deal)s (%(level)s)", deal=lead.name, level=level.name),
        }

    def _explain(self, facts):
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
        risk = self._risk(facts["has_email"])
        return rationale, min(confidence, 0.9), risk, facts["expected_revenue"] * (facts["probability"] or 10) / 100


def _and(domain):
    """Prefix a list of leaves with the '&' operators that join them."""
    return ["&"] * (len(domain) - 1) + domain
