from datetime import timedelta

import pytz

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

from odoo.addons.aiom_coo.models.aiom_planner import PlanRefused
from odoo.addons.aiom_coo.references import fill

OPEN_DEAL = [("type", "=", "opportunity"), ("active", "=", True), ("probability", "<", 100)]
# How far back a customer email may still wait for its answer: older ones are no longer news.
LOOKBACK_DAYS = 30
PLANNER_PROMPT = (
    "The customer's email below waits for an answer. Draft the reply email to its sender, schedule the "
    "salesperson's next activity on the opportunity and, only when the email says so, change its stage or "
    "log a note."
)


class AiomAnalyzerUnansweredEmails(models.AbstractModel):
    """Customer emails waiting for an answer: an incoming email on an open opportunity that nobody
    of ours answered within the analyzer's business hours. One proposal per email; it is cancelled
    when someone answers first (``_still_open``)."""

    _name = "aiom.analyzer.unanswered_emails"
    _inherit = "aiom.analyzer.kind"
    _description = "AI COO analyzer: customer emails waiting for an answer"
    _watched_model = "crm.lead"

    def _still_open(self, leads):
        leads = leads.filtered_domain(OPEN_DEAL)
        waiting = self._waiting(leads.ids)
        return leads.filtered(lambda lead: lead.id in waiting)

    def _internal_partners(self):
        users = self.env["res.users"].with_context(active_test=False).search([("share", "=", False)])
        return users.partner_id

    def _waiting(self, lead_ids=None, since=None):
        """{lead id: the last customer email of that lead}, for the leads whose last customer
        email got no answer of ours (an email or a comment by an internal user) after it."""
        comment = self.env.ref("mail.mt_comment").id
        internal = self._internal_partners().ids
        base = [("model", "=", "crm.lead"), ("subtype_id", "=", comment)]
        if lead_ids is not None:
            base.append(("res_id", "in", lead_ids))
        incoming = base + [("message_type", "=", "email"), ("author_id", "not in", internal)]
        if since:
            incoming.append(("date", ">=", since))
        last_in = dict(self.env["mail.message"]._read_group(incoming, ["res_id"], ["id:max"]))
        if not last_in:
            return {}
        emails = self.env["mail.message"].browse(list(last_in.values()))
        replies = self.env["mail.message"]._read_group(
            base
            + [
                ("res_id", "in", list(last_in)),
                ("message_type", "in", ("email", "comment")),
                ("author_id", "in", internal),
            ],
            ["res_id"],
            ["date:max"],
        )
        last_reply = dict(replies)
        return {
            email.res_id: email
            for email in emails
            if not last_reply.get(email.res_id) or last_reply[email.res_id] < email.date
        }

    def _overdue(self, analyzer, received, now):
        """True when ``analyzer.answer_hours`` business hours (the company's working time) have
        passed since ``received``; plain hours without a working-time calendar."""
        calendar = analyzer.company_id.resource_calendar_id
        hours = analyzer.answer_hours or 0
        if not calendar:
            return received + timedelta(hours=hours) <= now
        start = pytz.utc.localize(received)
        deadline = calendar.plan_hours(hours, start, compute_leaves=True)
        return bool(deadline) and deadline.astimezone(pytz.utc).replace(tzinfo=None) <= now

    def _waiting_leads(self, analyzer, now, order, id_range=None):
        """``(leads, {lead id: its email waiting})``: the open deals whose customer email waits."""
        waiting = self._waiting(since=now - timedelta(days=LOOKBACK_DAYS))
        if not waiting:
            return self.env["crm.lead"], waiting
        domain = [*OPEN_DEAL, ("id", "in", list(waiting)), ("company_id", "in", (analyzer.company_id.id, False))]
        return self.env["crm.lead"].search(domain + self._range_domain("id", id_range), order=order), waiting

    def _candidate_ids(self, analyzer):
        return self._waiting_leads(analyzer, fields.Datetime.now(), "id")[0].ids

    def _find(self, analyzer, limit, id_range=None):
        now = fields.Datetime.now()
        leads, waiting = self._waiting_leads(analyzer, now, "expected_revenue desc, id", id_range)
        if not leads:
            return []
        proposed = set(
            self.env["aiom.action"]
            .search(
                [
                    ("company_id", "=", analyzer.company_id.id),
                    ("idempotency_key", "in", [self._key(analyzer, lead, waiting[lead.id]) for lead in leads]),
                ]
            )
            .mapped("idempotency_key")
        )
        findings = []
        for lead in leads:
            email = waiting[lead.id]
            if self._key(analyzer, lead, email) in proposed or not self._overdue(analyzer, email.date, now):
                continue
            findings.append(self._email_finding(analyzer, lead, email, now))
            if len(findings) >= limit:
                break
        return findings

    def _key(self, analyzer, lead, email):
        # What _propose prefixes with the code: the email, not the lead, is what waits.
        return f"aiom:{analyzer.code}:lead:{lead.id}:message:{email.id}"

    def _email_finding(self, analyzer, lead, email, now):
        customer = email.author_id.name or email.email_from or lead.partner_id.name or lead.contact_name or ""
        hours = round((now - email.date).total_seconds() / 3600)
        facts = {
            "deal": lead.name,
            "customer": customer,
            "subject": email.subject or "",
            "hours_waiting": hours,
            "answer_hours": analyzer.answer_hours,
            "salesperson": lead.user_id.name or "",
            "expected_revenue": lead.expected_revenue,
            "probability": lead.probability,
        }
        summary = fill(analyzer.env._("Answer $customer's email"), {"customer": customer})
        steps = [
            {
                "name": "answer_activity",
                "action_type": "activity_schedule",
                "parameters": {
                    "model": "crm.lead",
                    "res_id": lead.id,
                    "summary": summary,
                    "note": fill("$subject", {"subject": email.subject or html2plaintext(email.body or "")[:200]}),
                    "days": 0,
                    **analyzer._assignee(lead.user_id),
                },
            }
        ]
        finding = {
            "key": f"lead:{lead.id}:message:{email.id}",
            "targets": lead,
            "target": lead,
            "level": None,
            "facts": facts,
            "steps": steps,
            "name": analyzer.env._("Answer %(customer)s's email on %(deal)s", customer=customer, deal=lead.name),
        }
        return self._planned(analyzer, lead, email, finding)

    def _planned(self, analyzer, lead, email, finding):
        """With an LLM: the planner drafts the reply, the next activity (and a stage change or a
        note when the email asks for one); the rule-based activity stays when it cannot."""
        planner = self.env["aiom.planner"]
        if not planner._available():
            return finding
        reply_to = [email.email_from] if email.email_from else []
        facts = {"waiting_email_id": email.id, "customer": finding["facts"]["customer"], "reply_to": reply_to}
        try:
            vals, usage, settings = planner._draft(PLANNER_PROMPT, lead, facts=facts, interactive=False)
        except (PlanRefused, UserError) as error:
            usage = getattr(error, "usage", None)
            planner._record_usage(usage, getattr(error, "settings", None) or {}, False, analyzer=analyzer)
            return {**finding, "llm_refusal": error.args[0]}
        return {
            **finding,
            "steps": vals["steps"],
            "llm_plan": {
                "rationale": vals["rationale"],
                "confidence": vals["confidence"],
                "risk_level": vals["risk_level"],
                "usage": usage,
                "model_name": settings["model"],
            },
        }

    def _explain(self, facts):
        rationale = self.env._(
            "%(customer)s wrote about %(deal)s (%(subject)s) %(hours)s hours ago and nobody has answered yet "
            "(answer within %(limit)s business hours): an activity for %(salesperson)s to answer.",
            customer=facts["customer"] or self.env._("The customer"),
            deal=facts["deal"],
            subject=facts["subject"] or self.env._("no subject"),
            hours=facts["hours_waiting"],
            limit=facts["answer_hours"],
            salesperson=facts["salesperson"] or self.env._("the team"),
        )
        value = facts["expected_revenue"] * (facts["probability"] or 10) / 100
        return rationale, 0.8, "low", value
