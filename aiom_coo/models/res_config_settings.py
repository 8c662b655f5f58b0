import os

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..llm import DEFAULT_TIMEOUT
from ..smtp2go import DEFAULT_BASE_URL, REGIONAL_BASE_URLS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    aiom_email_transport = fields.Selection(
        [("smtp2go", "SMTP2GO"), ("odoo", "Odoo's outgoing mail server")],
        string="Send emails through",
        config_parameter="aiom_coo.email_transport",
        default=lambda self: self.env["aiom.email.transport"]._transport(),
        help="SMTP2GO's HTTP API, or Odoo's own outgoing mail (Settings > Technical > Outgoing Mail Servers). "
        "Until chosen: SMTP2GO when an API key is configured, else Odoo's outgoing mail.",
    )
    aiom_email_problem = fields.Char(string="Email problem", compute="_compute_aiom_email_problem")
    aiom_smtp2go_api_key = fields.Char(
        string="SMTP2GO API key",
        config_parameter="aiom_coo.smtp2go_api_key",
        help="Falls back to the SMTP2GO_API_KEY environment variable when empty.",
    )
    aiom_smtp2go_base_url = fields.Char(
        string="SMTP2GO API URL",
        config_parameter="aiom_coo.smtp2go_base_url",
        default=DEFAULT_BASE_URL,
        help="Global or regional host: " + ", ".join(REGIONAL_BASE_URLS),
    )
    aiom_default_sender = fields.Char(
        string="Default sender",
        config_parameter="aiom_coo.default_sender",
        help="Used when an email step names no sender: an address verified in SMTP2GO, or one your outgoing "
        "mail server may send from. With Odoo's outgoing mail, the company's email address when empty.",
    )
    aiom_smtp2go_timeout = fields.Float(
        string="SMTP2GO timeout (seconds)", config_parameter="aiom_coo.smtp2go_timeout", default=10.0
    )
    aiom_smtp2go_env_key = fields.Boolean(compute="_compute_aiom_smtp2go_env_key")
    aiom_llm_enabled = fields.Boolean(
        string="LLM drafting",
        config_parameter="aiom_coo.llm_enabled",
        help="Let an LLM word the brain loop's proposals; the rule-based recommender answers otherwise.",
    )
    aiom_llm_base_url = fields.Char(
        string="LLM endpoint",
        config_parameter="aiom_coo.llm_base_url",
        help="OpenAI-compatible base URL, e.g. https://api.openai.com/v1: POST {base}/chat/completions "
        "(OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio).",
    )
    aiom_llm_model = fields.Char(string="LLM model", config_parameter="aiom_coo.llm_model")
    aiom_llm_api_key = fields.Char(
        string="LLM API key",
        config_parameter="aiom_coo.llm_api_key",
        help="Sent as 'Authorization: Bearer KEY'; leave empty for local servers that need none.",
    )
    aiom_llm_timeout = fields.Float(
        string="LLM timeout (seconds)", config_parameter="aiom_coo.llm_timeout", default=DEFAULT_TIMEOUT
    )
    aiom_llm_monthly_token_budget = fields.Integer(
        string="Monthly token budget",
        config_parameter="aiom_coo.llm_monthly_token_budget",
        default=0,
        help="Tokens per company and calendar month; once reached, proposals are rule-based until the month ends. "
        "0 for no limit.",
    )
    aiom_llm_planner_request_tokens = fields.Integer(
        string="Tokens per planner request",
        config_parameter="aiom_coo.llm_planner_request_tokens",
        default=8000,
        help="The most tokens (prompt and answer) one request to the AI planner may cost: the context is cut "
        "to fit, and an answer that costs more is refused.",
    )
    aiom_llm_month_tokens = fields.Integer(string="Tokens this month", compute="_compute_aiom_llm_month_tokens")
    aiom_autonomy_level = fields.Selection(
        [
            ("suggest", "Suggest: every action waits for a person"),
            ("auto_low_risk", "Auto-execute low-risk actions"),
            ("off", "Off: nothing executes"),
        ],
        string="Autonomy level",
        default="suggest",
        config_parameter="aiom_coo.autonomy_level",
    )
    aiom_auto_confidence_threshold = fields.Float(
        string="Minimum confidence for automatic execution",
        default=0.9,
        config_parameter="aiom_coo.auto_confidence_threshold",
    )

    @api.depends("aiom_smtp2go_api_key")
    def _compute_aiom_smtp2go_env_key(self):
        for settings in self:
            settings.aiom_smtp2go_env_key = bool(os.environ.get("SMTP2GO_API_KEY"))

    @api.depends("aiom_email_transport", "aiom_smtp2go_api_key")
    def _compute_aiom_email_problem(self):
        transport = self.env["aiom.email.transport"]
        for settings in self:
            if settings.aiom_email_transport == "smtp2go" and settings.aiom_smtp2go_api_key:
                settings.aiom_email_problem = False
            elif settings.aiom_email_transport in ("smtp2go", "odoo"):
                settings.aiom_email_problem = getattr(transport, f"_problem_{settings.aiom_email_transport}")()
            else:
                settings.aiom_email_problem = False

    @api.depends("company_id")
    def _compute_aiom_llm_month_tokens(self):
        for settings in self:
            settings.aiom_llm_month_tokens = self.env["aiom.llm.usage"]._month_total(settings.company_id)

    def action_aiom_send_test_email(self):
        """Send a test email to the current user through the chosen transport, with the settings as
        saved, and say what happened."""
        self.ensure_one()
        self.execute()  # save first, like Odoo's own "Test connection" buttons
        recipient = self.env.user.email
        if not recipient:
            raise UserError(self.env._("Set an email address on your user to receive the test email."))
        transport = self.env["aiom.email.transport"]
        sender = transport._default_sender(self.company_id) or recipient
        name = transport._transport()
        try:
            accepted = transport._send(
                {
                    "sender": sender,
                    "to": [recipient],
                    "subject": self.env._("AI COO test email"),
                    "text_body": self.env._("Email is configured correctly for AI COO."),
                },
                retries=False,
            )
        except UserError as error:
            raise UserError(self.env._("The test email failed: %s", error.args[0])) from None
        if name == "smtp2go":
            message = self.env._(
                "SMTP2GO accepted the email to %(to)s (email id %(id)s).", to=recipient, id=accepted["email_id"]
            )
        else:
            message = self.env._(
                "Odoo's outgoing mail server accepted the email to %(to)s (Message-Id %(id)s).",
                to=recipient,
                id=accepted["email_id"],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "title": self.env._("Test email sent"), "message": message},
        }
