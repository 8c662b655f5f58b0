import logging

from odoo import api, fields, models
from odoo.tools import html2plaintext

from ..utils import operator_id
from .aiom_step_handler import RISKS

_logger = logging.getLogger(__name__)

TO_APPROVE = "aiom_coo.mail_activity_type_to_approve"
DIGEST_TEMPLATE = "aiom_coo.mail_template_approval_digest"
# Proposals listed per risk in one digest; the rest are counted.
DIGEST_LIMIT = 50


class AiomAction(models.Model):
    """Who is asked to decide a proposal: a 'To approve' activity for each person who can, at or
    above the policy's threshold, done for all once anyone decides; and a daily digest for each
    approver of everything that waits for them."""

    _inherit = "aiom.action"

    approvers_asked = fields.Boolean(
        readonly=True, copy=False, help="'To approve' activities were scheduled for the people who can decide it."
    )

    # ------------------------------------------------------------------ the engine's moments

    @api.model
    def _create_proposals(self, items):
        # Decided before the insert, so that the flag costs no UPDATE (and no write right).
        for item in items:
            vals = item["vals"]
            policy = self.env["aiom.guardrail.policy"]._for_company(item["company"])
            if not item["error"] and policy._asks_approvers(vals.get("risk_level"), vals.get("priority")):
                vals["approvers_asked"] = True
        actions = super()._create_proposals(items)
        self.browse([action.id for action in actions])._ask_approvers()
        return actions

    def _change_state(self, new_state, **vals):
        deciding = self.filtered(lambda action: action.state == "pending")
        result = super()._change_state(new_state, **vals)
        deciding._close_approval_requests()
        return result

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        # Odoo makes an activity's assignee follow its record: being asked to decide a proposal
        # must not subscribe every approver to each outcome of it (the digest tells what waits).
        if self.env.context.get("aiom_asking_approvers"):
            return True
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    # ------------------------------------------------------------------ who decides

    @api.model
    def _deciders(self, company, risk_level, exclude=None):
        """Active internal users who can decide a proposal of ``risk_level`` in ``company``: the
        approvers, or the policy's high-risk group for high risk; never the operator.

        Read by the engine (who belongs to which group is not for a proposer to read), to know
        whom to ask; nothing of it is returned to the proposer."""
        policy = self.env["aiom.guardrail.policy"]._for_company(company)
        group = self.env.ref("aiom_coo.group_aiom_approver")
        if risk_level == "high" and policy.high_risk_group_id:
            group = policy.high_risk_group_id
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", group.ids),
                    ("share", "=", False),
                    ("company_ids", "in", company.ids),
                    ("id", "!=", operator_id(self.env)),
                ]
            )
        )
        return users - (exclude or users.browse())

    def _ask_approvers(self):
        """Schedule 'To approve' for the proposals flagged at creation (at or above their
        policy's threshold), in one
        batch: one user lookup per company and risk, one insert of every activity.

        Scheduled by the engine, not by the proposer (who may not assign work to anyone): the
        assignees are not emailed one by one, the daily digest tells them (no flood)."""
        asked = self.filtered(
            lambda action: (
                action.state == "pending" and action._policy()._asks_approvers(action.risk_level, action.priority)
            )
        )
        if not asked:
            return
        activity_type = self.env.ref(TO_APPROVE)
        model_id = self.env["ir.model"]._get_id(self._name)
        deciders = {}
        values = []
        deadline = fields.Date.context_today(self)
        for action in asked:
            key = (action.company_id, action.risk_level == "high")
            if key not in deciders:
                deciders[key] = self._deciders(action.company_id, action.risk_level)
            # Whoever filed it knows it waits; and with four eyes could not approve it anyway.
            for user in deciders[key] - action.proposed_by_id:
                values.append(
                    {
                        "res_model_id": model_id,
                        "res_id": action.id,
                        "activity_type_id": activity_type.id,
                        "summary": self.env._("To approve: %s", action.name),
                        "user_id": user.id,
                        "date_deadline": deadline,
                        "automated": True,
                    }
                )
        if values:
            self.env["mail.activity"].sudo().with_context(
                mail_activity_quick_update=True, aiom_asking_approvers=True
            ).create(values)

    def _close_approval_requests(self):
        """Someone decided (or the proposal expired): the 'To approve' activities are done, for
        everyone. Kept as done activities (the type keeps them), not one chatter line each: the
        decision itself is already tracked on the action."""
        asked = self.filtered("approvers_asked")
        if not asked:
            return
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", asked.ids),
                    ("activity_type_id", "=", self.env.ref(TO_APPROVE).id),
                ]
            )
        )
        activities.write({"active": False, "date_done": fields.Date.context_today(self)})
        asked._engine().write({"approvers_asked": False})

    # ------------------------------------------------------------------ daily digest

    @api.model
    def _cron_approval_digest(self):
        """One email a day to each approver who did not opt out, listing what waits for them,
        however many proposals the brain loop filed; sent through the product's email transport."""
        transport = self.env["aiom.email.transport"]
        problem = transport._problem()
        if problem:
            _logger.info("AI COO: no approval digest today: %s", problem)
            return 0
        today = fields.Date.context_today(self)
        approvers = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", self.env.ref("aiom_coo.group_aiom_approver").ids),
                    ("share", "=", False),
                    ("id", "!=", operator_id(self.env)),
                    ("aiom_digest_opt_out", "=", False),
                    ("email", "!=", False),
                    "|",
                    ("aiom_digest_date", "=", False),
                    ("aiom_digest_date", "<", today),
                ]
            )
        )
        sent = 0
        for approver in approvers:
            try:
                with self.env.cr.savepoint():
                    if self._send_approval_digest(approver):
                        sent += 1
                    approver.aiom_digest_date = today
            except Exception:
                _logger.exception("AI COO: the approval digest for %s could not be sent", approver.login)
        return sent

    @api.model
    def _digest_groups(self, approver):
        """What waits for ``approver``, read with their own rights, by risk (high first):
        [{"risk", "label", "actions", "more"}]; only what they may decide."""
        actions = self.with_user(approver).search([("state", "=", "pending")], order="priority desc, create_date desc")
        labels = dict(self._fields["risk_level"]._description_selection(self.env))
        high_deciders = {}

        def decides_high(action):
            if action.company_id not in high_deciders:
                high_deciders[action.company_id] = self._deciders(action.company_id, "high")
            return approver in high_deciders[action.company_id] and action.proposed_by_id != approver

        groups = []
        for risk in reversed(RISKS):
            found = actions.filtered(lambda action, risk=risk: action.risk_level == risk)
            if risk == "high":
                found = found.filtered(decides_high)
            if found:
                groups.append(
                    {
                        "risk": risk,
                        "label": labels.get(risk, risk),
                        "actions": found[:DIGEST_LIMIT],
                        "more": max(0, len(found) - DIGEST_LIMIT),
                    }
                )
        return groups

    @api.model
    def _send_approval_digest(self, approver):
        """Email ``approver`` their digest; False when nothing waits for them."""
        groups = self._digest_groups(approver)
        if not groups:
            return False
        template = self.env.ref(DIGEST_TEMPLATE).with_context(lang=approver.lang)
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        context = {
            "groups": groups,
            "count": sum(len(group["actions"]) + group["more"] for group in groups),
            "base_url": base_url,
        }
        subject = template._render_field("subject", approver.ids, add_context=context)[approver.id]
        body = template._render_field("body_html", approver.ids, add_context=context, engine="qweb")[approver.id]
        transport = self.env["aiom.email.transport"]
        company = approver.company_id
        transport._send(
            {
                "sender": transport._default_sender(company) or company.email_formatted,
                "to": [approver.email_formatted],
                "cc": [],
                "bcc": [],
                "subject": subject,
                "text_body": html2plaintext(body),
                "html_body": body,
            }
        )
        return True
