from datetime import timedelta

import pytz

from odoo import api, fields, models, tools
from odoo.tools import email_normalize

from ..exceptions import GuardrailViolation
from ..references import find_references
from ..utils import operator_id
from .aiom_step_handler import RISKS, proposer_env

HOUR = timedelta(hours=1)
# Operations a model rule allows or denies; other touches (links, reads, email) have rules of their own.
RULE_OPERATIONS = ("create", "update", "search", "message", "activity")
# The access right a touch needs when the operator acts on its own, checked as the proposer.
PROPOSER_ACCESS = {"create": "create", "update": "write", "search": "read", "read": "read", "link": "read"}


def _tz_selection(self):
    return [(tz, tz) for tz in sorted(pytz.all_timezones)]


class AiomGuardrailPolicy(models.Model):
    """What the AI may do in a company, checked when an action is proposed and again when it runs.

    A floor no policy can lower lives in code (``floor.py``: security and configuration models,
    rights-granting fields, the messaging machinery), applied by the step types' normalisation to
    every model, record and field a plan reaches. The step types turn each step into touches
    (what it creates, changes, reads, links or emails); the policy judges those touches, whatever
    the type. Companies without a policy record get the defaults below.
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
    email_daily_limit = fields.Integer(
        default=200,
        help="Most emails per rolling 24 hours, chatter comments to outside followers included; 0 for no limit.",
    )
    email_senders = fields.Char(
        string="Allowed senders",
        help="Comma-separated addresses a plan may send from, besides the default sender (Settings > AI COO).",
    )
    agent_hourly_proposal_limit = fields.Integer(
        default=60, help="Most proposals one agent (by name) may file per hour; 0 for no limit."
    )
    user_hourly_proposal_limit = fields.Integer(
        default=120,
        help="Most proposals one user or API key may file per hour, whatever agent names it gives; 0 for no limit.",
    )
    type_hourly_auto_limit = fields.Integer(
        string="Automatic executions per type per hour", default=20, help="0 for no limit."
    )
    auto_step_types = fields.Json(
        string="Step types that may run automatically",
        default=lambda self: self._default_auto_step_types(),
        help="Codes of the step types the operator may execute without a person. Emails never do.",
    )
    auto_step_type_options = fields.Json(compute="_compute_auto_step_type_options")
    business_hour_from = fields.Float(default=8.0)
    business_hour_to = fields.Float(default=18.0)
    business_weekdays_only = fields.Boolean(default=True)
    tz = fields.Selection(
        _tz_selection, string="Timezone", default=lambda self: self.env.user.tz or "UTC", required=True
    )
    auto_llm_plans = fields.Boolean(
        string="AI-planned actions too",
        default=False,
        help="Let the operator execute on its own the actions whose plan the LLM planner drafted, within "
        "the same limits as any other. Off: they always wait for a person. Emails never execute on their own.",
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

    approval_request_risk = fields.Selection(
        [("low", "Any risk"), ("medium", "Medium or high risk"), ("high", "High risk"), ("never", "Never")],
        string="Ask approvers for proposals of",
        default="high",
        required=True,
        help="Proposals at or above this risk get a 'To approve' activity for the people who can decide them.",
    )
    approval_request_priority = fields.Selection(
        [("1", "Important or above"), ("2", "High or above"), ("3", "Urgent"), ("never", "Never")],
        string="...or of priority",
        default="2",
        required=True,
        help="Proposals at or above this priority get a 'To approve' activity too, whatever their risk.",
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
        # Read on every approval: cached, and the cache cleared whenever a policy changes. The
        # cache is shared by every user of this worker, so the lookup must not depend on the
        # caller's record rules: a user of another company would make it find no policy.
        return self.sudo().search([("company_id", "=", company_id)], limit=1).id

    @api.model
    def _default_auto_step_types(self):
        return [code for code, spec in self.env["aiom.step.handler"]._step_types().items() if spec.auto_default]

    def _compute_auto_step_type_options(self):
        options = [
            {"value": code, "label": str(spec.label), "icon": spec.icon}
            for code, spec in self.env["aiom.step.handler"]._step_types().items()
            if spec.automatic
        ]
        for policy in self:
            policy.auto_step_type_options = options

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

    def _check_plan(self, touches_per_step, risk_level):
        """At proposal: raise GuardrailViolation, or return the risk level the plan needs."""
        self.ensure_one()
        touches = [touch for touches in touches_per_step for touch in touches]
        self._check_touches(touches, proposal=True)
        return self._needed_risk(touches, risk_level)

    def _check_execution(self, action, touches, proposer):
        """At execution, with resolved parameters: the policy as it is now. When the operator acts
        (automatic executions and retries, in this process or in a job), every touch must also be
        within the proposer's own rights: the operator's business rights are not theirs."""
        self._check_touches(touches, proposal=False)
        if self.env.uid == operator_id(self.env):
            self._check_proposer_rights(touches, proposer, action.company_id)
        if self._needed_risk(touches, action.risk_level) != action.risk_level:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'risk': this step now needs a higher-risk approval; "
                    "propose it again so that it is reviewed as such."
                )
            )

    def _check_touches(self, touches, proposal):
        """Every model, record set and email a step reaches, at any depth, against this policy."""
        self.ensure_one()
        for touch in touches:
            if touch.operation == "email":
                self._check_email(touch, proposal)
                continue
            if touch.operation in RULE_OPERATIONS:
                self._check_model_rules(touch.model, touch.operation, touch.values or {})
            if touch.operation == "update":
                self._check_update_size(touch, proposal)
            if touch.operation == "search" and touch.limit > self.max_search_records:
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail 'search size': a search may read at most %(max)s records.",
                        max=self.max_search_records,
                    )
                )

    def _check_proposer_rights(self, touches, proposer, company):
        env = proposer_env(self.env, proposer, company)
        for touch in touches:
            if not touch.model:
                continue
            records = env[touch.model].browse([i for i in touch.ids or [] if isinstance(i, int)])
            access = PROPOSER_ACCESS.get(touch.operation) or getattr(records, "_mail_post_access", "write")
            if not records.has_access(access):
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail 'proposer rights': %(user)s, who proposed this, may not %(access)s %(model)s "
                        "records; an automatic execution stays within the proposer's own rights.",
                        user=proposer.name,
                        access=access,
                        model=touch.model,
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

    def _check_update_size(self, touch, proposal):
        if touch.ids is not None:
            count = len(touch.ids)
        elif touch.domain is not None and not _has_reference(touch.domain):
            Model = self.env[touch.model]
            if proposal and not Model.has_access("read"):
                return  # the proposer cannot count them; the approver's execution will
            count = Model.search_count(touch.domain)
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

    def _check_email(self, touch, proposal):
        recipients = [address for address in touch.recipients if not _has_reference(address)]
        if len(touch.recipients) > self.email_max_recipients:
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'email recipients': at most %(max)s recipients, this email has %(count)s.",
                    max=self.email_max_recipients,
                    count=len(touch.recipients),
                )
            )
        domains = self._allowed_domains()
        for address in recipients if domains else ():
            domain = (email_normalize(address) or "").rpartition("@")[2]
            if domain not in domains:
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail 'email domains': %(address)s is outside the allowed domains (%(domains)s).",
                        address=address,
                        domains=", ".join(sorted(domains)),
                    )
                )
        if touch.sender and not _has_reference(touch.sender) and email_normalize(touch.sender) not in self._senders():
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'email sender': %s is not an allowed sender (Guardrails > Email > Allowed senders).",
                    touch.sender,
                )
            )
        if touch.reply_to and not _has_reference(touch.reply_to) and not self._may_reply_to(touch.reply_to):
            raise GuardrailViolation(
                self.env._(
                    "Guardrail 'email sender': replies may only go to an internal user or an allowed sender, not %s.",
                    touch.reply_to,
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

    def _senders(self):
        # System parameters are readable by administrators only; the default sender is no secret.
        default = self.env["ir.config_parameter"].sudo().get_param("aiom_coo.default_sender")
        addresses = [default, *(self.email_senders or "").split(",")]
        return {email_normalize(address) for address in addresses if address and email_normalize(address)}

    def _may_reply_to(self, address):
        normalized = email_normalize(address)
        if normalized in self._senders():
            return True
        # Asked for every proposal of a batch (a salesperson's address): once per transaction.
        known = self.env.cr.cache.setdefault("aiom_internal_addresses", {})
        if normalized not in known:
            domain = [("share", "=", False), ("email_normalized", "=", normalized)]
            known[normalized] = bool(self.env["res.users"].search_count(domain))
        return known[normalized]

    def _allowed_domains(self):
        return {
            domain.strip().lower().lstrip("@")
            for domain in (self.email_allowed_domains or "").split(",")
            if domain.strip()
        }

    def _needed_risk(self, touches, risk_level):
        """The risk the touches need: never below what the proposer said, nor below what the steps
        and the value limits make them; raises for blocking value limits."""
        needed = max([risk_level, *(touch.risk for touch in touches)], key=RISKS.index)
        for touch in touches:
            if touch.operation not in ("create", "update") or not touch.values:
                continue
            for limit in self.value_limit_ids.filtered(lambda lim, m=touch.model: lim.model_name == m):
                value = touch.values.get(limit.field_name)
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
                    needed = "high"
        return needed

    # ------------------------------------------------------------------ approval and autonomy

    def _check_four_eyes(self, action, user):
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

    def _asks_approvers(self, risk_level, priority):
        """Whether a proposal of this risk and priority gets 'To approve' activities."""
        self.ensure_one()
        by_risk = self.approval_request_risk != "never" and RISKS.index(risk_level or "medium") >= RISKS.index(
            self.approval_request_risk
        )
        by_priority = self.approval_request_priority != "never" and (priority or "0") >= self.approval_request_priority
        return by_risk or by_priority

    def _check_proposal_rate(self, agent, user):
        """Per agent name and per user: an agent cannot escape its limit by renaming itself."""
        since = fields.Datetime.now() - HOUR
        checks = [("user rate", self.user_hourly_proposal_limit, [("proposed_by_id", "=", user.id)], user.name)]
        if agent:
            checks.append(("agent rate", self.agent_hourly_proposal_limit, [("agent", "=", agent)], agent))
        for rule, limit, domain, who in checks:
            if not limit:
                continue
            recent = self.env["aiom.action"].search_count(
                [*domain, ("company_id", "=", self.company_id.id), ("create_date", ">", since)]
            )
            if recent >= limit:
                raise GuardrailViolation(
                    self.env._(
                        "Guardrail '%(rule)s': %(who)s filed %(count)s proposals in the last hour (limit %(max)s).",
                        rule=rule,
                        who=who,
                        count=recent,
                        max=limit,
                    )
                )

    def _auto_refusal(self, action, now=None):
        """Why the operator may not execute ``action`` on its own now, or None when it may."""
        self.ensure_one()
        icp = self.env["ir.config_parameter"].sudo()  # system parameters: readable by admins only
        if icp.get_param("aiom_coo.autonomy_level", "suggest") != "auto_low_risk":
            return self.env._("autonomy level is not 'auto_low_risk'")
        try:
            threshold = float(icp.get_param("aiom_coo.auto_confidence_threshold", "0.9"))
        except ValueError:
            return self.env._("the confidence threshold setting is not a number")
        if action.risk_level != "low":
            return self.env._("only low-risk actions execute automatically")
        if action.llm_planned and not self.auto_llm_plans:
            return self.env._("the policy does not let AI-planned actions execute automatically")
        if action.confidence < threshold:
            return self.env._(
                "confidence %(value)s is below %(threshold)s", value=action.confidence, threshold=threshold
            )
        types = self.env["aiom.step.handler"]._step_types()
        allowed = set(self.auto_step_types or [])
        for step in action.step_ids:
            spec = types.get(step.action_type)
            if spec is None or not spec.automatic or step.action_type not in allowed:
                return self.env._("the policy does not let %s steps execute automatically", step.action_type)
        if not self._within_business_hours(now or fields.Datetime.now()):
            return self.env._("outside business hours")
        if self.type_hourly_auto_limit:
            done = self.env["aiom.action"].search_count(
                [
                    ("action_type", "=", action.action_type),
                    ("company_id", "=", self.company_id.id),
                    ("approved_by_id", "=", operator_id(self.env)),
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
    return next(find_references(value), None) is not None
