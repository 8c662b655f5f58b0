from datetime import timedelta

import pytz

from odoo import api, fields, models, tools
from odoo.tools import email_normalize

from ..exceptions import GuardrailViolation

# Step type -> the operation a model rule allows or denies.
OPERATIONS = {
    "odoo_create": "create",
    "odoo_update": "update",
    "odoo_search": "search",
    "message_post": "message",
    "activity_schedule": "activity",
}
AUTO_TYPES = ("odoo_create", "odoo_update", "odoo_search", "email_send", "message_post", "activity_schedule")
HOUR = timedelta(hours=1)


def _tz_selection(self):
    return [(tz, tz) for tz in sorted(pytz.all_timezones)]


class AiomGuardrailPolicy(models.Model):
    """What the AI may do in a company, checked when an action is proposed and again when it runs.

    A floor no policy can lower lives in code (aiom.step.handler: security and configuration
    models, rights-granting fields). Companies without a policy record get the defaults below.
    """

    _name = "aiom.guardrail.policy"
    _description = "AI COO guardrail policy"
    _order = "company_id, id"

    name = fields.Char(required=True, default="Guardrails")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    mode = fields.Selection(
        [
            ("deny_list", "Deny list: everything not denied is allowed"),
            ("allow_list", "Allow list: only what is allowed"),
        ],
        required=True,
        default="deny_list",
    )
    rule_ids = fields.One2many("aiom.guardrail.rule", "policy_id", string="Model rules", copy=True)
    value_limit_ids = fields.One2many("aiom.guardrail.value.limit", "policy_id", string="Value limits", copy=True)
    max_update_records = fields.Integer(default=100, help="Most records one update step may write.")
    max_search_records = fields.Integer(default=500, help="Most records one search step may read.")
    email_max_recipients = fields.Integer(default=50, help="Most recipients (to, cc, bcc) of one email.")
    email_allowed_domains = fields.Char(
        help="Comma-separated recipient domains (e.g. example.com, partner.org); empty allows any domain."
    )
    email_daily_limit = fields.Integer(default=200, help="Most emails per rolling 24 hours; 0 for no limit.")
    agent_hourly_proposal_limit = fields.Integer(
        default=60, help="Most proposals one agent may file per hour; 0 for no limit."
    )
    type_hourly_auto_limit = fields.Integer(
        string="Automatic executions per type per hour", default=20, help="0 for no limit."
    )
    auto_odoo_create = fields.Boolean(string="Create records")
    auto_odoo_update = fields.Boolean(string="Update records")
    auto_odoo_search = fields.Boolean(string="Search records", default=True)
    auto_email_send = fields.Boolean(string="Send emails")
    auto_message_post = fields.Boolean(string="Post messages", default=True)
    auto_activity_schedule = fields.Boolean(string="Schedule activities", default=True)
    business_hour_from = fields.Float(default=8.0)
    business_hour_to = fields.Float(default=18.0)
    business_weekdays_only = fields.Boolean(default=True)
    tz = fields.Selection(
        _tz_selection, string="Timezone", default=lambda self: self.env.user.tz or "UTC", required=True
    )
    four_eyes = fields.Boolean(
        string="Four-eyes on high risk", default=True, help="Whoever proposed a high-risk action cannot approve it."
    )
    high_risk_group_id = fields.Many2one(
        "res.groups",
        string="High-risk approvers",
        default=lambda self: self.env.ref("aiom_coo.group_aiom_manager", raise_if_not_found=False),
        help="Only members of this group approve high-risk actions.",
    )

    _sql_constraints = [
        ("max_update_positive", "CHECK(max_update_records > 0)", "The update limit must be positive."),
        ("max_search_positive", "CHECK(max_search_records > 0)", "The search limit must be positive."),
        ("max_recipients_positive", "CHECK(email_max_recipients > 0)", "The recipient limit must be positive."),
    ]

    @api.model
    def _for_company(self, company):
        """The company's active policy, or an unsaved one with the defaults."""
        policy_id = self._policy_id_for_company(company.id)
        if policy_id:
            return self.browse(policy_id)
        return self.new({"company_id": company.id, "name": "Default guardrails"})

    @api.model
    @tools.ormcache("company_id")
    def _policy_id_for_company(self, company_id):
        # Read on every approval: cached, and the cache cleared whenever a policy changes.
        return self.search([("company_id", "=", company_id)], limit=1).id

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if {"company_id", "active"} & set(vals):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    # ------------------------------------------------------------------ proposal and execution

    def _check_plan(self, plan, risk_level):
        """At proposal: raise GuardrailViolation, or return the risk level the plan needs."""
        self.ensure_one()
        for step in plan:
            self._check_step(step["action_type"], step["parameters"], proposal=True)
        return self._needed_risk(plan, risk_level)

    def _check_step(self, action_type, parameters, proposal=False):
        """One step against the policy; at proposal, unresolved references are checked later."""
        self.ensure_one()
        if action_type == "email_send":
            self._check_email(parameters, proposal)
            return
        operation = OPERATIONS.get(action_type)
        model = parameters.get("model")
        if not operation or not isinstance(model, str):
            return
        self._check_model_rules(model, operation, parameters.get("values") or {})
        if action_type == "odoo_update":
            self._check_update_size(model, parameters, proposal)
        if action_type == "odoo_search" and parameters.get("limit", 80) > self.max_search_records:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'search size': a search may read at most %(max)s records.", max=self.max_search_records
                )
            )

    def _check_execution(self, action, action_type, parameters):
        """At execution, with resolved parameters: the policy as it is now, and value limits."""
        self._check_step(action_type, parameters)
        needed = self._needed_risk([{"action_type": action_type, "parameters": parameters}], action.risk_level)
        if needed != action.risk_level:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'value limit': this step now needs a high-risk approval; "
                    "propose it again so that it is reviewed as such."
                )
            )

    def _check_model_rules(self, model, operation, values):
        rules = self.rule_ids.filtered(lambda rule: rule.model_name == model and rule[f"allow_{operation}"])
        denied = rules.filtered(lambda rule: rule.effect == "deny")
        if denied:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail '%(rule)s': %(operation)s on %(model)s is denied.",
                    rule=denied[0].display_name,
                    operation=operation,
                    model=model,
                )
            )
        allowed = rules.filtered(lambda rule: rule.effect == "allow")
        if self.mode == "allow_list" and not allowed:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'allow list': %(operation)s on %(model)s is not on the allow list.",
                    operation=operation,
                    model=model,
                )
            )
        for rule in allowed.filtered("field_names"):
            outside = sorted(set(values) - rule._field_name_set())
            if outside:
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail '%(rule)s': field(s) %(fields)s of %(model)s may not be written.",
                        rule=rule.display_name,
                        fields=", ".join(outside),
                        model=model,
                    )
                )

    def _check_update_size(self, model, parameters, proposal):
        ids = parameters.get("ids")
        if isinstance(ids, list):
            count = len(ids)
        elif isinstance(parameters.get("domain"), list) and not _has_reference(parameters["domain"]):
            Model = self.env[model]
            if proposal and not Model.has_access("read"):
                return  # the proposer cannot count them; the approver's execution will
            count = Model.search_count(parameters["domain"])
        else:
            return
        if count > self.max_update_records:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'update size': this update touches %(count)s records, at most %(max)s are allowed.",
                    count=count,
                    max=self.max_update_records,
                )
            )

    def _check_email(self, parameters, proposal):
        recipients = []
        for key in ("to", "cc", "bcc"):
            value = parameters.get(key) or []
            recipients += [value] if isinstance(value, str) else list(value)
        if len(recipients) > self.email_max_recipients:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'email recipients': at most %(max)s recipients, this email has %(count)s.",
                    max=self.email_max_recipients,
                    count=len(recipients),
                )
            )
        domains = self._allowed_domains()
        if domains:
            for address in recipients:
                if _has_reference(address):
                    continue
                domain = (email_normalize(address) or "").rpartition("@")[2]
                if domain not in domains:
                    raise GuardrailViolation(
                        self.env._(
                            "Guardrail 'email domains': %(address)s is outside the allowed domains (%(domains)s).",
                            address=address,
                            domains=", ".join(sorted(domains)),
                        )
                    )
        if not proposal and self.email_daily_limit:
            sent = self.env["aiom.email.receipt"].search_count(
                [("company_id", "=", self.company_id.id), ("create_date", ">", fields.Datetime.now() - 24 * HOUR)]
            )
            if sent >= self.email_daily_limit:
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail 'email volume': %(sent)s emails sent in the last 24 hours, the limit is %(max)s.",
                        sent=sent,
                        max=self.email_daily_limit,
                    )
                )

    def _allowed_domains(self):
        return {
            domain.strip().lower().lstrip("@")
            for domain in (self.email_allowed_domains or "").split(",")
            if domain.strip()
        }

    def _needed_risk(self, plan, risk_level):
        """'high' when a value limit with that effect is exceeded; raises for blocking limits."""
        for step in plan:
            if step["action_type"] not in ("odoo_create", "odoo_update"):
                continue
            model, values = step["parameters"].get("model"), step["parameters"].get("values") or {}
            for limit in self.value_limit_ids.filtered(lambda lim, m=model: lim.model_name == m):
                value = values.get(limit.field_name)
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value > limit.max_value:
                    if limit.effect == "block":
                        raise GuardrailViolation(
                            self.env._(
                                "Guardrail '%(rule)s': %(field)s = %(value)s is above %(max)s.",
                                rule=limit.display_name,
                                field=limit.field_name,
                                value=value,
                                max=limit.max_value,
                            )
                        )
                    risk_level = "high"
        return risk_level

    # ------------------------------------------------------------------ approval and autonomy

    def _check_approver(self, action, user):
        """Four-eyes: the proposer of a high-risk action cannot approve it, and only the
        high-risk group may."""
        self.ensure_one()
        if action.risk_level != "high":
            return
        if self.four_eyes and action.proposed_by_id == user:
            raise GuardrailViolation(
                self.env._("Guardrail 'four eyes': you proposed this high-risk action, someone else must approve it.")
            )
        group = self.high_risk_group_id
        if group and group not in user.groups_id:
            raise GuardrailViolation(
                self.env._("Guardrail 'four eyes': high-risk actions are approved by %s only.", group.full_name)
            )

    def _check_agent_rate(self, agent):
        if not agent or not self.agent_hourly_proposal_limit:
            return
        recent = self.env["aiom.action"].search_count(
            [
                ("agent", "=", agent),
                ("company_id", "=", self.company_id.id),
                ("create_date", ">", fields.Datetime.now() - HOUR),
            ]
        )
        if recent >= self.agent_hourly_proposal_limit:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'agent rate': %(agent)s filed %(count)s proposals in the last hour (limit %(max)s).",
                    agent=agent,
                    count=recent,
                    max=self.agent_hourly_proposal_limit,
                )
            )

    def _auto_refusal(self, action, now=None):
        """Why the operator may not execute ``action`` on its own now, or None when it may."""
        self.ensure_one()
        icp = self.env["ir.config_parameter"].sudo()  # system parameters: readable by admins only
        if icp.get_param("aiom_coo.autonomy_level", "suggest") != "auto_low_risk":
            return self.env._("autonomy level is not 'auto_low_risk'")
        threshold = float(icp.get_param("aiom_coo.auto_confidence_threshold", "0.9"))
        if action.risk_level != "low":
            return self.env._("only low-risk actions execute automatically")
        if action.confidence < threshold:
            return self.env._(
                "confidence %(value)s is below %(threshold)s", value=action.confidence, threshold=threshold
            )
        for step in action.step_ids:
            if not self[f"auto_{step.action_type}"]:
                return self.env._("the policy does not let %s steps execute automatically", step.action_type)
        if not self._within_business_hours(now or fields.Datetime.now()):
            return self.env._("outside business hours")
        if self.type_hourly_auto_limit:
            done = self.env["aiom.action"].search_count(
                [
                    ("action_type", "=", action.action_type),
                    ("company_id", "=", self.company_id.id),
                    ("approved_by_id", "=", self.env.ref("aiom_coo.user_aiom_operator").id),
                    ("approved_date", ">", (now or fields.Datetime.now()) - HOUR),
                ]
            )
            if done >= self.type_hourly_auto_limit:
                return self.env._(
                    "%(count)s automatic %(type)s executions in the last hour", count=done, type=action.action_type
                )
        return None

    def _within_business_hours(self, now_utc):
        local = pytz.utc.localize(now_utc).astimezone(pytz.timezone(self.tz or "UTC"))
        if self.business_weekdays_only and local.weekday() >= 5:
            return False
        hour = local.hour + local.minute / 60
        return self.business_hour_from <= hour < self.business_hour_to


def _has_reference(value):
    return "{{" in str(value)
