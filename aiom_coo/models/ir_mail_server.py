from odoo import models
from odoo.tools import email_normalize

from .aiom_email_transport import BCC_CONTEXT_KEY


class IrMailServer(models.Model):
    """Blind copies for AI COO emails sent through Odoo's outgoing mail (``mail.mail`` has no Bcc).

    The AI COO transport sends its ``mail.mail`` with the blind copies in the context; they are
    added to the SMTP envelope of that one message only, never to its headers. Every other email
    is untouched (the context key is absent).
    """

    _inherit = "ir.mail_server"

    def _prepare_email_message(self, message, smtp_session):
        smtp_from, smtp_to_list, message = super()._prepare_email_message(message, smtp_session)
        blind = [email_normalize(address) for address in self.env.context.get(BCC_CONTEXT_KEY) or []]
        smtp_to_list += [address for address in blind if address and address not in smtp_to_list]
        return smtp_from, smtp_to_list, message
