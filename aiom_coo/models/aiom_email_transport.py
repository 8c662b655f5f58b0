import base64
import os
import smtplib
import socket
import time

from odoo import Command, api, models, tools
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from ..exceptions import TransientStepError
from ..smtp2go import DEFAULT_BASE_URL, Smtp2goClient, Smtp2goError

DEFAULT_TIMEOUT = 10.0
TRANSPORTS = ("smtp2go", "odoo")
# Context key read by ir.mail_server: blind copies go on the SMTP envelope only (mail.mail has no Bcc).
BCC_CONTEXT_KEY = "aiom_coo_envelope_bcc"
# Whether Odoo's untouched default (an SMTP server on this machine) listens, remembered per process.
_LOCAL_PROBES = {}
LOCAL_PROBE_SECONDS = 60
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class AiomEmailTransport(models.AbstractModel):
    """Where AI COO emails leave Odoo: SMTP2GO's HTTP API, or Odoo's own outgoing mail server.

    Everything that emails (an ``email_send`` step, the Settings test email) calls ``_send`` with one
    email as a dict: ``sender``, ``to``, ``cc``, ``bcc`` (lists), ``subject``, ``text_body``,
    ``html_body``, ``reply_to``, ``attachments`` (filename, fileblob in base64, mimetype),
    ``headers`` (``In-Reply-To``, ``References``) and optionally ``message_id``. It returns
    ``{"provider", "email_id", "request_id"}`` once the provider accepted the email, or raises
    ``TransientStepError`` (may pass: retried later) or ``UserError``.

    The transport is the setting ``aiom_coo.email_transport``: ``smtp2go``, or ``odoo`` (a
    ``mail.mail`` sent at once through the configured ``ir.mail_server``). Without a setting,
    SMTP2GO when an API key is configured, else Odoo's outgoing mail.
    """

    _name = "aiom.email.transport"
    _description = "AI COO email transport"

    @api.model
    def _setting(self, key, default=None):
        # System parameters are readable by administrators only; whoever sends on the company's
        # behalf needs the provider's settings, which are never shown to them.
        return self.env["ir.config_parameter"].sudo().get_param(f"aiom_coo.{key}", default)

    @api.model
    def _smtp2go_key(self):
        return self._setting("smtp2go_api_key") or os.environ.get("SMTP2GO_API_KEY")

    @api.model
    def _transport(self):
        """``smtp2go`` or ``odoo``: the setting, else SMTP2GO when a key is configured."""
        chosen = self._setting("email_transport")
        if chosen in TRANSPORTS:
            return chosen
        return "smtp2go" if self._smtp2go_key() else "odoo"

    @api.model
    def _problem(self):
        """Why an email could not be sent now (shown before anyone approves), or None."""
        return getattr(self, f"_problem_{self._transport()}")()

    @api.model
    def _default_sender(self, company=None):
        """The configured default sender; with Odoo's outgoing mail, the company's address otherwise."""
        sender = self._setting("default_sender")
        if not sender and self._transport() == "odoo":
            sender = (company or self.env.company).email_formatted
        return sender or None

    @api.model
    def _send(self, email, retries=True):
        problem = self._problem()
        if problem:
            raise UserError(problem)
        return getattr(self, f"_send_{self._transport()}")(email, retries=retries)

    # ------------------------------------------------------------------ SMTP2GO

    @api.model
    def _problem_smtp2go(self):
        if not self._smtp2go_key():
            return self.env._("SMTP2GO API key is not configured (Settings > AI COO > Email).")
        return None

    @api.model
    def _send_smtp2go(self, email, retries=True):
        client = Smtp2goClient(
            self._smtp2go_key(),
            base_url=self._setting("smtp2go_base_url") or DEFAULT_BASE_URL,
            timeout=float(self._setting("smtp2go_timeout") or DEFAULT_TIMEOUT),
            **({} if retries else {"max_retries": 0}),
        )
        try:
            accepted = client.send(
                sender=email["sender"],
                to=email["to"],
                cc=email.get("cc") or [],
                bcc=email.get("bcc") or [],
                subject=email["subject"],
                text_body=email.get("text_body"),
                html_body=email.get("html_body"),
                reply_to=email.get("reply_to"),
                attachments=email.get("attachments") or [],
                custom_headers=email.get("headers"),
            )
        except Smtp2goError as error:
            raise (TransientStepError if error.transient else UserError)(str(error)) from None
        return {"provider": "smtp2go", "email_id": accepted["email_id"], "request_id": accepted["request_id"]}

    # ------------------------------------------------------------------ Odoo's outgoing mail

    @api.model
    def _problem_odoo(self):
        # Outgoing mail servers are administrators' records; whether one exists is no secret.
        if self.env["ir.mail_server"].sudo().search_count([], limit=1):
            return None
        host = tools.config.get("smtp_server")
        if not host:
            return self.env._(
                "No outgoing mail server is configured: add one in Settings > Technical > Outgoing Mail Servers, "
                "or configure SMTP2GO in Settings > AI COO > Email."
            )
        if host in LOCAL_HOSTS and not _local_server_listens(host, int(tools.config.get("smtp_port") or 25)):
            return self.env._(
                "No outgoing mail server is configured and nothing answers on %(host)s:%(port)s (Odoo's default): "
                "add one in Settings > Technical > Outgoing Mail Servers, or configure SMTP2GO in "
                "Settings > AI COO > Email.",
                host=host,
                port=tools.config.get("smtp_port") or 25,
            )
        return None

    @api.model
    def _send_odoo(self, email, retries=True):
        """Create a ``mail.mail`` and send it at once through Odoo's outgoing mail server, in a
        transaction of its own: the mail queue's record of it is committed with its outcome (sent),
        whatever becomes of the caller's transaction, as the provider's acceptance is with SMTP2GO.

        A refusal leaves nothing in the queue (its transaction rolls back): the action fails with the
        server's words, and retrying the action is what sends it again. ``retries`` is unused here:
        one SMTP transaction either is accepted or is not; transient refusals are retried by the
        brain loop.
        """
        with self.env.registry.cursor() as cr:
            # The mail queue is Odoo's machinery, written by Odoo's own code as superuser too: the email
            # itself was judged by the guardrails and approved; the queue record names its author.
            context = {**clean_context(self.env.context), BCC_CONTEXT_KEY: list(email.get("bcc") or [])}
            env = self.env(cr=cr, su=True, context=context)
            mail = env["mail.mail"].create(self._mail_values(email, env))
            started = time.monotonic()
            try:
                mail.send(raise_exception=True)
            except Exception as error:  # noqa: BLE001 - every failure is reported in the action's words
                # Leaving the block with an exception rolls the queue record back.
                raise self._smtp_error(error, time.monotonic() - started) from None
            mail.invalidate_recordset(["state", "failure_reason", "failure_type"])
            if mail.state != "sent":
                # E.g. every recipient was invalid: Odoo marks the email failed without raising.
                reason = mail.failure_reason or mail.failure_type or mail.state
                raise UserError(self.env._("Odoo's outgoing mail server did not send the email: %s", reason))
            result = {"provider": "odoo", "email_id": mail.message_id, "request_id": f"mail.mail-{mail.id}"}
        return result

    @api.model
    def _mail_values(self, email, env):
        headers = dict(email.get("headers") or {})
        references = headers.pop("References", None)
        html = email.get("html_body") or tools.plaintext2html(email.get("text_body") or "")
        values = {
            "email_from": email["sender"],
            "email_to": ", ".join(email["to"]),
            "email_cc": ", ".join(email.get("cc") or []) or False,
            "subject": email["subject"],
            "body_html": html,
            # As SMTP2GO does: no Reply-To means replies go to the sender.
            "reply_to": email.get("reply_to") or email["sender"],
            "references": references or False,
            # mail.mail evaluates its headers as a Python literal (ast.literal_eval), never as code.
            "headers": repr(headers) if headers else False,
            "author_id": self.env.user.partner_id.id,
            "message_type": "email_outgoing",
            "auto_delete": False,
            "attachment_ids": [
                Command.create(
                    {
                        "name": attachment["filename"],
                        "raw": base64.b64decode(attachment["fileblob"]),
                        "mimetype": attachment.get("mimetype"),
                        # Owned by the message: never turned into a download link of a business record.
                        "res_model": "mail.message",
                        "res_id": 0,
                    }
                )
                for attachment in email.get("attachments") or []
            ],
        }
        if email.get("message_id"):
            values["message_id"] = email["message_id"]
        return values

    @api.model
    def _smtp_error(self, error, elapsed):
        """The action's error for a failed send through Odoo's outgoing mail: transient when the
        server could not be reached or answered 4xx (nothing was sent), final on 5xx, and "may have
        been sent" when the connection broke during the SMTP transaction (never retried blindly)."""
        if isinstance(error, MailDeliveryException) and len(error.args) > 1 and isinstance(error.args[1], Exception):
            # ir.mail_server.connect failed: nothing left.
            cause = error.args[1]
            if isinstance(cause, UserError):
                # E.g. Odoo's "Missing SMTP Server" or an archived server: Odoo's own words.
                return UserError(self.env._("Odoo's outgoing mail could not send the email: %s", cause.args[0]))
            return TransientStepError(
                self.env._("The outgoing mail server could not be reached: %s", _smtp_text(cause))
            )
        cause = error
        if not isinstance(error, (smtplib.SMTPException, OSError)):
            # ir.mail_server wraps the SMTP library's exception in a MailDeliveryException.
            for candidate in (error.__cause__, error.__context__):
                if isinstance(candidate, (smtplib.SMTPException, OSError)):
                    cause = candidate
                    break
        code = _smtp_code(cause)
        if code is None and isinstance(cause, (smtplib.SMTPException, OSError)):
            # The connection broke during the SMTP transaction: the server may have accepted it.
            return UserError(
                self.env._(
                    "The connection to the outgoing mail server was lost after %(seconds).1f s (%(error)s): the email "
                    "may have been sent. Check with the recipients before retrying.",
                    seconds=elapsed,
                    error=_smtp_text(cause),
                )
            )
        message = self.env._("The outgoing mail server refused the email: %s", _smtp_text(cause))
        if code and 400 <= code < 500:
            return TransientStepError(message)
        return UserError(message)


def _smtp_code(error):
    """The SMTP reply code of a refusal, or None when the server gave no answer."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        # Transient only when every recipient was refused for a transient reason.
        return max(code for code, _text in error.recipients.values())
    return None


def _smtp_text(error):
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {detail}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for address, (code, text) in error.recipients.items()
        )
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _local_server_listens(host, port):
    """Whether something accepts connections on Odoo's default SMTP server (this machine), checked
    at most once a minute per process: a refused local connection costs microseconds."""
    key = (host, port)
    checked = _LOCAL_PROBES.get(key)
    if checked and time.monotonic() - checked[0] < LOCAL_PROBE_SECONDS:
        return checked[1]
    try:
        with socket.create_connection((host, port), timeout=0.5):
            listens = True
    except OSError:
        listens = False
    _LOCAL_PROBES[key] = (time.monotonic(), listens)
    return listens
