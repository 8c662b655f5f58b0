from collections import defaultdict
from datetime import timedelta

from odoo import fields, models
from odoo.tools import format_amount

from odoo.addons.aiom_coo.references import fill

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


class AiomAnalyzerOverdueInvoices(models.AbstractModel):
    """Overdue customer invoices: dunning levels by days overdue, one grouped email per customer."""

    _name = "aiom.analyzer.overdue_invoices"
    _inherit = "aiom.analyzer.kind"
    _description = "AI COO analyzer: overdue invoices"
    _watched_model = "account.move"

    def _overdue_domain(self, analyzer):
        today = fields.Date.context_today(self)
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("invoice_date_due", "<", today - timedelta(days=analyzer.grace_days)),
            ("company_id", "=", analyzer.company_id.id),
        ]

    def _still_open(self, invoices):
        return invoices.filtered_domain([("state", "=", "posted"), ("payment_state", "in", ("not_paid", "partial"))])

    def _find(self, analyzer, limit):
        levels = analyzer.level_ids.sorted("days", reverse=True)
        if not levels:
            return []
        today = fields.Date.context_today(self)
        groups = defaultdict(lambda: self.env["account.move"])
        found = 0
        for level in levels:
            next_level = levels.filtered(lambda lvl, lv=level: lvl.days > lv.days)[-1:]
            domain = self._overdue_domain(analyzer) + [("invoice_date_due", "<=", today - timedelta(days=level.days))]
            if next_level:
                domain.append(("invoice_date_due", ">", today - timedelta(days=next_level.days)))
            reminded = analyzer._followed_up_ids(level)
            if reminded:
                domain.append(("id", "not in", reminded))
            invoices = self.env["account.move"].search(domain, limit=limit - found, order="invoice_date_due, id")
            for invoice in invoices:
                groups[(invoice.commercial_partner_id, level)] |= invoice
            found += len(invoices)
            if found >= limit:
                break
        return [
            self._invoice_finding(analyzer, partner, level, invoices) for (partner, level), invoices in groups.items()
        ]

    def _invoice_finding(self, analyzer, partner, level, invoices):
        today = fields.Date.context_today(self)
        currency = invoices[0].currency_id
        amount = sum(invoices.mapped("amount_residual"))
        days = max((today - due).days for due in invoices.mapped("invoice_date_due"))
        facts = {
            "partner": partner.name,
            "invoice_count": len(invoices),
            "invoices": invoices.mapped("name"),
            "amount": amount,
            "amount_text": format_amount(self.env, amount, currency),
            "currency": currency.name,
            "days_overdue": days,
            "level": level.name,
            "level_rank": list(analyzer.level_ids.sorted("days")).index(level) + 1,
            "has_email": bool(partner.email),
        }
        placeholders = {
            "partner": partner.name,
            "documents": ", ".join(facts["invoices"]),
            "amount": facts["amount_text"],
            "days": days,
            "level": level.name,
            "salesperson": invoices[0].invoice_user_id.name or "",
            "company": analyzer.company_id.name,
        }
        steps = []
        if partner.email:
            steps.append(
                {
                    "name": "reminder",
                    "action_type": "email_send",
                    "parameters": {
                        "to": [partner.email],
                        "subject": fill(level.email_subject or "$level: $documents", placeholders),
                        "body": fill(level.email_body or "", placeholders),
                    },
                }
            )
        if level.schedule_activity or not partner.email:
            steps.append(
                {
                    "name": "accountant_activity",
                    "action_type": "activity_schedule",
                    "parameters": {
                        "model": "account.move",
                        "res_id": invoices[0].id,
                        "summary": fill(level.activity_summary or "Follow up: $level", placeholders),
                        "note": ", ".join(facts["invoices"]),
                        "days": 1,
                        **analyzer._assignee(invoices[0].invoice_user_id),
                    },
                }
            )
        target = invoices if len(invoices) == 1 else partner
        return {
            "key": f"partner:{partner.id}:level:{level.id}:invoices:{'-'.join(map(str, sorted(invoices.ids)))}",
            "targets": invoices,
            "target": target,
            "level": level,
            "facts": facts,
            "steps": steps,
            "name": self.env._("%(level)s to %(partner)s", level=level.name, partner=partner.name),
        }

    def _explain(self, facts):
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
