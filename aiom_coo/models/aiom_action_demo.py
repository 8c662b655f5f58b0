from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

PARTNER_XMLIDS = ("base.res_partner_1", "base.res_partner_2", "base.res_partner_3", "base.res_partner_4")


class AiomAction(models.Model):
    """Demo proposals across every state, on base demo customers and, when installed, CRM,
    Project and Accounting records. Outcome states go through the engine, as in real life."""

    # One file per job (inbox, dashboard, demo) beside the engine, which keeps each one small.
    _inherit = "aiom.action"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _load_demo_inbox(self):
        if self.search_count([("idempotency_key", "=like", "aiom-demo-%")]):
            return  # loaded already
        admin = self.env.ref("base.user_admin")
        actions = self.with_user(admin).with_context(tracking_disable=True)._engine()
        wood, deco, gemini, ready = (self.env.ref(xmlid) for xmlid in PARTNER_XMLIDS)
        proposals = self._demo_partner_proposals(wood, deco, gemini, ready)
        if "crm.lead" in self.env:
            proposals += self._demo_crm_proposals()
        if "project.task" in self.env:
            proposals += self._demo_project_proposals()
        if "account.move" in self.env:
            proposals += self._demo_invoice_proposals()
        for index, (outcome, hours_ago, vals) in enumerate(proposals):
            vals.setdefault("idempotency_key", f"aiom-demo-{index}")
            action = actions.propose(vals)
            if action.state == "pending":
                self._demo_apply_outcome(action, outcome)
            self._demo_backdate(action, hours_ago)

    @api.model
    def _demo_apply_outcome(self, action, outcome):
        if outcome == "execute":
            action.action_approve()
        elif outcome == "reject":
            action.action_reject(reason="We already called them yesterday; not needed.")
        elif outcome == "cancel":
            action.action_cancel()
        elif outcome == "expire":
            action._expire()

    @api.model
    def _demo_backdate(self, action, hours_ago):
        # Demo only: spread proposals over the last days so that ages and the dashboard look lived-in.
        created = fields.Datetime.now() - timedelta(hours=hours_ago)
        self.env.flush_all()  # or the engine's pending writes would land after this update
        self.env.cr.execute(
            SQL(
                "UPDATE aiom_action SET create_date = %(created)s,"
                " approved_date = CASE WHEN approved_date IS NULL THEN NULL ELSE %(approved)s END,"
                " executed_date = CASE WHEN executed_date IS NULL THEN NULL ELSE %(approved)s END"
                " WHERE id = %(id)s",
                created=created,
                approved=created + timedelta(hours=max(0.3, hours_ago * 0.06)),
                id=action.id,
            )
        )
        action.invalidate_recordset(["create_date", "approved_date", "executed_date"])

    @api.model
    def _demo_partner_proposals(self, wood, deco, gemini, ready):
        target = {"model": "res.partner"}
        azure = self.env.ref("base.res_partner_12")
        return [
            (
                "pending",
                3,
                {
                    "name": "Log a follow-up call with Azure Interior",
                    "action_type": "activity_schedule",
                    "parameters": {
                        "model": "res.partner",
                        "res_id": azure.id,
                        "summary": "Call about the open quotation",
                        "days": 2,
                    },
                    "target": {**target, "id": azure.id},
                    "rationale": "Azure Interior asked for a callback last week and nobody has called them since.",
                    "confidence": 0.86,
                    "risk_level": "low",
                    "priority": "2",
                    "source": "recommender",
                    "agent": "Rule-based recommender",
                },
            ),
            (
                "pending",
                7,
                {
                    "name": "Create contact Jane Brooks at Deco Addict",
                    "action_type": "odoo_create",
                    "parameters": {
                        "model": "res.partner",
                        "values": {"name": "Jane Brooks", "email": "jane.brooks@example.com", "parent_id": deco.id},
                    },
                    "target": {**target, "id": deco.id},
                    "rationale": "Jane signed the last three purchase orders from Deco Addict but is not in the "
                    "address book.",
                    "confidence": 0.74,
                    "risk_level": "low",
                    "source": "api",
                    "agent": "Inbox assistant",
                },
            ),
            (
                "pending",
                9,
                {
                    "name": "Note the new delivery address of Gemini Furniture",
                    "action_type": "message_post",
                    "parameters": {
                        "model": "res.partner",
                        "res_id": gemini.id,
                        "body": "Deliveries now go to the new warehouse (Gate 4), as confirmed by email on Monday.",
                        "subtype": "note",
                    },
                    "target": {**target, "id": gemini.id},
                    "rationale": "The customer's last email announces a new warehouse.",
                    "confidence": 0.64,
                    "risk_level": "medium",
                    "source": "api",
                    "agent": "Inbox assistant",
                },
            ),
            (
                "pending",
                5,
                {
                    "name": "Schedule a renewal call with Deco Addict",
                    "action_type": "activity_schedule",
                    "parameters": {
                        "model": "res.partner",
                        "res_id": deco.id,
                        "activity_type": "mail.mail_activity_data_call",
                        "summary": "Maintenance contract renewal",
                        "days": 3,
                    },
                    "target": {**target, "id": deco.id},
                    "rationale": "Their maintenance contract ends next month and renewals signed early churn less.",
                    "confidence": 0.81,
                    "risk_level": "low",
                    "priority": "1",
                    "source": "recommender",
                    "agent": "Rule-based recommender",
                },
            ),
            (
                "pending",
                26,
                {
                    "name": "Onboard Wood Corner's new buyer",
                    "steps": [
                        {
                            "name": "create_contact",
                            "action_type": "odoo_create",
                            "parameters": {
                                "model": "res.partner",
                                "values": {"name": "Lena Holt", "email": "lena.holt@example.com", "parent_id": wood.id},
                            },
                        },
                        {
                            "name": "welcome_call",
                            "action_type": "activity_schedule",
                            "parameters": {
                                "model": "res.partner",
                                "res_id": "{{ steps.create_contact.record_id }}",
                                "summary": "Welcome call with the new buyer",
                                "days": 1,
                            },
                        },
                    ],
                    "target": {**target, "id": wood.id},
                    "rationale": "Lena Holt signed Wood Corner's last two orders as their new buyer; "
                    "she is not in the address book and nobody has introduced themselves yet.",
                    "confidence": 0.77,
                    "risk_level": "medium",
                    "priority": "2",
                    "source": "api",
                    "agent": "Inbox assistant",
                },
            ),
            (
                "pending",
                2,
                {
                    "name": "Email Gemini Furniture about the delayed delivery",
                    "action_type": "email_send",
                    "parameters": {
                        "to": [gemini.email or "gemini.furniture@example.com"],
                        "subject": "Your order: new delivery date",
                        "body": "Hello,\n\nYour order ships on Thursday instead of Monday; we are sorry for "
                        "the delay.\n\nBest regards",
                    },
                    "target": {**target, "id": gemini.id},
                    "rationale": "The carrier moved the pickup; the customer has not been told and "
                    "expects the goods on Monday.",
                    "confidence": 0.68,
                    "risk_level": "high",
                    "priority": "3",
                    "source": "analyzer",
                    "agent": "Delivery watcher",
                },
            ),
            (
                "execute",
                30,
                {
                    "name": "Note Ready Mat's preferred delivery window",
                    "action_type": "message_post",
                    "parameters": {
                        "model": "res.partner",
                        "res_id": ready.id,
                        "body": "Deliveries are accepted between 8:00 and 11:00 only (phone call of Tuesday).",
                    },
                    "target": {**target, "id": ready.id},
                    "rationale": "Two deliveries bounced last month because they arrived in the afternoon.",
                    "confidence": 0.9,
                    "risk_level": "low",
                    "source": "recommender",
                    "agent": "Rule-based recommender",
                },
            ),
            (
                "execute",
                52,
                {
                    "name": "Create contact Omar Reyes at Gemini Furniture",
                    "action_type": "odoo_create",
                    "parameters": {
                        "model": "res.partner",
                        "values": {"name": "Omar Reyes", "email": "omar.reyes@example.com", "parent_id": gemini.id},
                    },
                    "target": {**target, "id": gemini.id},
                    "rationale": "Omar answers every support ticket of Gemini Furniture but is not a contact.",
                    "confidence": 0.88,
                    "risk_level": "low",
                    "source": "api",
                    "agent": "Inbox assistant",
                },
            ),
            (
                "execute",
                100,
                {
                    "name": "Plan a quarterly review with Wood Corner",
                    "action_type": "activity_schedule",
                    "parameters": {"model": "res.partner", "res_id": wood.id, "summary": "Quarterly review", "days": 7},
                    "target": {**target, "id": wood.id},
                    "rationale": "Wood Corner is a top-10 customer and had no review this quarter.",
                    "confidence": 0.93,
                    "risk_level": "low",
                    "source": "analyzer",
                    "agent": "Account health analyzer",
                },
            ),
            (
                # Fails at execution: a company has no parent, so the reference does not resolve.
                "execute",
                8,
                {
                    "name": "Ask Ready Mat's group to confirm the credit limit",
                    "action_type": "message_post",
                    "parameters": {
                        "model": "res.partner",
                        "res_id": ready.id,
                        "body": "Please confirm the new credit limit with {{ target.parent_id.name }}.",
                        "subtype": "comment",
                    },
                    "target": {**target, "id": ready.id},
                    "rationale": "Ready Mat's open orders exceed its credit limit by 20%.",
                    "confidence": 0.55,
                    "risk_level": "medium",
                    "source": "recommender",
                    "agent": "Credit watcher",
                },
            ),
            (
                # Blocked by the default guardrails: user accounts are not open to the AI.
                "pending",
                20,
                {
                    "name": "Give Deco Addict's buyer a portal account",
                    "action_type": "odoo_create",
                    "parameters": {"model": "res.users", "values": {"name": "Deco buyer", "login": "buyer@deco"}},
                    "target": {**target, "id": deco.id},
                    "rationale": "The buyer asks every week for copies of invoices.",
                    "confidence": 0.6,
                    "risk_level": "high",
                    "source": "recommender",
                    "agent": "Inbox assistant",
                },
            ),
            (
                "reject",
                75,
                {
                    "name": "Call Gemini Furniture about their late payment",
                    "action_type": "activity_schedule",
                    "parameters": {
                        "model": "res.partner",
                        "res_id": gemini.id,
                        "activity_type": "mail.mail_activity_data_call",
                        "summary": "Late payment",
                    },
                    "target": {**target, "id": gemini.id},
                    "rationale": "The last invoice is five days overdue.",
                    "confidence": 0.58,
                    "risk_level": "medium",
                    "source": "analyzer",
                    "agent": "Overdue invoice analyzer",
                },
            ),
            (
                "cancel",
                120,
                {
                    "name": "Archive duplicate contact at Ready Mat",
                    "action_type": "odoo_update",
                    "parameters": {"model": "res.partner", "ids": [ready.id], "values": {"comment": "Duplicate?"}},
                    "target": {**target, "id": ready.id},
                    "rationale": "Two contacts share the same email address.",
                    "confidence": 0.42,
                    "risk_level": "medium",
                    "source": "recommender",
                    "agent": "Data quality checker",
                },
            ),
            (
                "expire",
                200,
                {
                    "name": "Send Wood Corner the spring catalogue",
                    "action_type": "email_send",
                    "parameters": {
                        "to": [wood.email or "wood.corner@example.com"],
                        "subject": "Our spring catalogue",
                        "body": "Hello,\n\nHere is our spring catalogue.\n\nBest regards",
                    },
                    "target": {**target, "id": wood.id},
                    "rationale": "They asked for the new catalogue at the fair.",
                    "confidence": 0.7,
                    "risk_level": "high",
                    "source": "recommender",
                    "agent": "Campaign planner",
                },
            ),
        ]

    @api.model
    def _demo_crm_proposals(self):
        leads = self.env["crm.lead"].search([("type", "=", "opportunity"), ("active", "=", True)], limit=2, order="id")
        proposals = []
        for lead, outcome, hours_ago in zip(leads, ("pending", "execute"), (3, 48), strict=False):
            proposals.append(
                (
                    outcome,
                    hours_ago,
                    {
                        "name": f"Revive the stalled opportunity {lead.name}",
                        "action_type": "activity_schedule",
                        "parameters": {
                            "model": "crm.lead",
                            "res_id": lead.id,
                            "activity_type": "mail.mail_activity_data_call",
                            "summary": "Check in: the deal has not moved for 3 weeks",
                            "days": 1,
                        },
                        "target": {"model": "crm.lead", "id": lead.id},
                        "rationale": f"{lead.name} has been in the same stage for 21 days with no activity planned.",
                        "confidence": 0.79,
                        "risk_level": "low",
                        "priority": "2",
                        "source": "analyzer",
                        "agent": "Stalled deal analyzer",
                    },
                )
            )
        return proposals

    @api.model
    def _demo_project_proposals(self):
        task = self.env["project.task"].search([("project_id", "!=", False)], limit=1, order="id")
        if not task:
            return []
        return [
            (
                "pending",
                7,
                {
                    "name": f"Create a kick-off task in {task.project_id.name}",
                    "action_type": "odoo_create",
                    "parameters": {
                        "model": "project.task",
                        "values": {"name": "Kick-off meeting with the customer", "project_id": task.project_id.id},
                    },
                    "target": {"model": "project.project", "id": task.project_id.id},
                    "rationale": "The project started last week and has no kick-off on the calendar.",
                    "confidence": 0.72,
                    "risk_level": "low",
                    "source": "recommender",
                    "agent": "Project assistant",
                },
            ),
            (
                "execute",
                28,
                {
                    "name": f"Remind the team about {task.name}",
                    "action_type": "message_post",
                    "parameters": {
                        "model": "project.task",
                        "res_id": task.id,
                        "body": "This task is due soon and has had no update for a week.",
                    },
                    "target": {"model": "project.task", "id": task.id},
                    "rationale": "The task is due in two days and nobody logged time on it.",
                    "confidence": 0.84,
                    "risk_level": "low",
                    "source": "analyzer",
                    "agent": "Project assistant",
                },
            ),
        ]

    @api.model
    def _demo_invoice_proposals(self):
        invoice = self.env["account.move"].search(
            [("move_type", "=", "out_invoice"), ("state", "=", "posted")], limit=1, order="id"
        )
        if not invoice:
            return []
        return [
            (
                "pending",
                4,
                {
                    "name": f"Send a payment reminder for {invoice.name}",
                    "action_type": "message_post",
                    "parameters": {
                        "model": "account.move",
                        "res_id": invoice.id,
                        "body": "Friendly reminder: this invoice is past its due date.",
                        "subtype": "comment",
                    },
                    "target": {"model": "account.move", "id": invoice.id},
                    "rationale": f"{invoice.name} of {invoice.partner_id.name} is overdue and no reminder went out.",
                    "confidence": 0.83,
                    "risk_level": "medium",
                    "priority": "1",
                    "source": "analyzer",
                    "agent": "Overdue invoice analyzer",
                },
            )
        ]
