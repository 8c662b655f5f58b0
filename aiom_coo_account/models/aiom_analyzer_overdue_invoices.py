import hashlib
from collections import defaultdict
from datetime import timedelta

from odoo import fields, models
from odoo.osv import expression
from odoo.tools import format_amount

from odoo.addons.aiom_coo.references import fill

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}
# Invoices named in a subject, summary or body (bounded texts), and in the accountant's note.
DOCUMENTS_IN_TEXTS = 5
DOCUMENTS_IN_NOTE = 200


def invoice_set_key(invoices):
    """The invoices of a reminder in its idempotency key: their ids while few, else their number
    and a digest, so that a customer with hundreds of overdue invoices keeps a key that fits."""
    ids = "-".join(map(str, sorted(invoices.ids)))
    if len(ids) <= 60:
        return ids
    return f"{len(invoices)}x{hashlib.sha256(ids.encode()).hexdigest()[:20]}"


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

    def _fingerprints(self, analyzer, invoices):
        # The balance the reminder states: a payment meanwhile withdraws it, to be proposed again.
        return {invoice.id: f"{invoice.amount_residual:.{invoice.currency_id.decimal_places}f}" for invoice in invoices}

    def _changed_message(self, invoices):
        return self.env._(
            "the balance of %s changed since the proposal (a payment or a credit note)",
            ", ".join(invoices.mapped("name")),
        )

    def _level_domains(self, analyzer):
        """``[(level, domain)]``: the invoices due for each level (see ``aiom.analyzer.kind._next_level``).

        A level applies from its days overdue to invoices it was not proposed for; a level after
        the first only once the previous one was sent, the days between them after it was sent.
        An invoice 50 days overdue that was never reminded gets the first reminder.
        """
        levels = analyzer.level_ids.sorted("days")
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        Followup = self.env["aiom.followup"]
        domains = []
        for previous, level in zip([None, *levels], levels, strict=False):
            domain = self._overdue_domain(analyzer) + [("invoice_date_due", "<=", today - timedelta(days=level.days))]
            domain.append(("id", "not in", analyzer._followed_up(level)))
            if previous is not None:
                # The reminders sent long enough ago first, then their follow-ups: two simple index
                # scans (a join through action_id was planned as a loop over every follow-up).
                sent_actions = self.env["aiom.action"].search(
                    [
                        ("analyzer_id", "=", analyzer.id),
                        ("state", "=", "executed"),
                        ("executed_date", "<=", now - timedelta(days=level.days - previous.days)),
                    ]
                )
                sent = Followup.search(
                    [
                        ("analyzer_id", "=", analyzer.id),
                        ("level_id", "=", previous.id),
                        ("action_id", "in", sent_actions.ids),
                    ]
                )
                domain.append(("id", "in", sent.mapped("target_res_id")))
            domains.append((level, domain))
        return domains

    def _candidate_ids(self, analyzer):
        # The candidates are customers: a range never splits one customer's invoices.
        domains = self._level_domains(analyzer)
        if not domains:
            return []
        any_level = expression.OR([domain for _level, domain in domains])
        groups = self.env["account.move"]._read_group(any_level, ["commercial_partner_id"])
        return sorted(partner.id for (partner,) in groups)

    def _find(self, analyzer, limit, id_range=None):
        """Reminders for at most ``limit`` customers, each with all its invoices due, at every level.

        The batch counts customers (commercial partners), not invoices: a customer's invoices are
        never split over two batches, and fewer than ``limit`` customers means none is left.
        ``id_range`` is a range of customers' ids.
        """
        domains = self._level_domains(analyzer)
        if not domains:
            return []
        Move = self.env["account.move"]
        any_level = expression.OR([domain for _level, domain in domains]) + self._range_domain(
            "commercial_partner_id", id_range
        )
        customers = [
            partner
            for partner, _due in Move._read_group(
                any_level,
                ["commercial_partner_id"],
                ["invoice_date_due:min"],
                order="invoice_date_due:min, commercial_partner_id",
                limit=limit,
            )
        ]
        if not customers:
            return []
        customer_ids = [partner.id for partner in customers]
        rank = {partner_id: index for index, partner_id in enumerate(customer_ids)}
        groups = defaultdict(lambda: Move)
        for level, domain in domains:
            invoices = Move.search(
                domain + [("commercial_partner_id", "in", customer_ids)], order="invoice_date_due, id"
            )
            for invoice in invoices:
                # An accountant's reminder: per customer, level and currency (amounts are never added up).
                groups[(invoice.commercial_partner_id, level, invoice.currency_id)] |= invoice
            # A customer's reminder still waiting at this level is replaced by one naming all of them.
            waiting = analyzer._followed_up(level, waiting_states=("pending",))
            for invoice in Move.search([("id", "in", waiting), ("commercial_partner_id", "in", customer_ids)]):
                group = (invoice.commercial_partner_id, level, invoice.currency_id)
                if group in groups:
                    groups[group] |= invoice
        return [
            self._invoice_finding(analyzer, partner, level, invoices.sorted(lambda i: (i.invoice_date_due, i.id)))
            for (partner, level, _currency), invoices in sorted(
                groups.items(), key=lambda item: (rank[item[0][0].id], item[0][1].days, item[0][2].id)
            )
        ]

    def _recipients(self, partner, invoices):
        """Who gets the reminder: the contact each invoice was sent to when it has an email, else
        the customer's invoice address (``address_get``, as OCA's account_credit_control does), else
        the customer itself."""
        addressees = invoices.partner_id.filtered("email")
        if any(not invoice.partner_id.email for invoice in invoices):
            invoice_address = partner.browse(partner.address_get(["invoice"])["invoice"])
            addressees |= (invoice_address | partner).filtered("email")[:1]
        return addressees

    def _document_list(self, names, most):
        """``names`` joined, the first ``most`` of them and a count of the rest: a customer with
        hundreds of overdue invoices still gets a subject that fits."""
        if len(names) <= most:
            return ", ".join(names)
        return self.env._("%(names)s and %(count)s more", names=", ".join(names[:most]), count=len(names) - most)

    def _invoice_finding(self, analyzer, partner, level, invoices):
        today = fields.Date.context_today(self)
        currency = invoices[0].currency_id
        amount = sum(invoices.mapped("amount_residual"))
        days = max((today - due).days for due in invoices.mapped("invoice_date_due"))
        recipients = self._recipients(partner, invoices)
        levels = analyzer.level_ids.sorted("days")
        facts = {
            "partner": partner.name,
            "invoice_count": len(invoices),
            "invoices": invoices.mapped("name"),
            "amount": amount,
            "amount_text": format_amount(self.env, amount, currency),
            "currency": currency.name,
            "days_overdue": days,
            "level": level.name,
            "level_rank": list(levels).index(level) + 1,
            "final": level == levels[-1] and len(levels) > 1,
            "has_email": bool(recipients),
            # Names only: facts may go to an LLM, addresses never do (the email step holds them).
            "recipients": recipients.mapped("name"),
            "recipient_is_customer": recipients == partner,
        }
        placeholders = {
            "partner": partner.name,
            "documents": self._document_list(facts["invoices"], DOCUMENTS_IN_TEXTS),
            "amount": facts["amount_text"],
            "days": days,
            "level": level.name,
            "salesperson": invoices[0].invoice_user_id.name or "",
            "company": analyzer.company_id.name,
        }
        steps = []
        if recipients:
            steps.append(
                {
                    "name": "reminder",
                    "action_type": "email_send",
                    "parameters": {
                        "to": recipients.mapped("email"),
                        "subject": fill(level.email_subject or "$level: $documents", placeholders),
                        "body": fill(level.email_body or "", placeholders),
                    },
                }
            )
        if level.schedule_activity or not recipients:
            steps.append(
                {
                    "name": "accountant_activity",
                    "action_type": "activity_schedule",
                    "parameters": {
                        "model": "account.move",
                        "res_id": invoices[0].id,
                        "summary": fill(level.activity_summary or "Follow up: $level", placeholders),
                        "note": self._document_list(facts["invoices"], DOCUMENTS_IN_NOTE),
                        "days": 1,
                        **analyzer._assignee(invoices[0].invoice_user_id),
                    },
                }
            )
        target = invoices if len(invoices) == 1 else partner
        # The balance is part of the key: withdrawn after a payment, the reminder is proposed again.
        due = f"{amount:.{currency.decimal_places}f}"
        return {
            "key": f"partner:{partner.id}:level:{level.id}:currency:{currency.id}"
            f":invoices:{invoice_set_key(invoices)}:due:{due}",
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
            rationale += " " + self.env._(
                "No email address on the customer or its invoice address: an activity for the accountant instead."
            )
        elif not facts.get("recipient_is_customer"):
            rationale += " " + self.env._("Sent to %s (the invoice address).", ", ".join(facts["recipients"]))
        risk = self._risk(facts["has_email"], final=facts.get("final", rank >= 3))
        confidence = min(0.95, 0.8 + 0.05 * min(facts["days_overdue"] // 7, 3)) - 0.05 * (rank - 1)
        return rationale, confidence, risk, facts["amount"]
