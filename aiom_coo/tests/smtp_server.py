"""A real SMTP server on 127.0.0.1 (aiosmtpd) for Odoo's outgoing mail to talk to.

It speaks SMTP as any relay does, keeps every message it accepted (envelope and parsed message),
and refuses on demand, one behaviour per message: ``fail_next("451", "ok")``. Behaviours: ``ok``,
``451`` (transient refusal of the message), ``554`` (final refusal), ``450-rcpt`` (every recipient
refused for now), ``drop`` (the connection closes once the message was received, before any
answer: the client cannot know whether it was accepted).
"""

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name


class LocalSmtpServer:
    def __init__(self):
        self.messages = []  # accepted: {"mail_from", "rcpt_tos", "message"}
        self.attempts = 0  # messages received, accepted or not
        self.behaviours = []
        self._lock = threading.Lock()
        self.port = _free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def fail_next(self, *behaviours):
        self.behaviours.extend(behaviours)

    def clear(self):
        self.messages.clear()
        self.behaviours.clear()
        self.attempts = 0

    def _next_behaviour(self):
        with self._lock:
            return self.behaviours.pop(0) if self.behaviours else "ok"


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # One behaviour per message, chosen when the message starts.
        self.server.attempts += 1
        session.aiom_behaviour = self.server._next_behaviour()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if session.aiom_behaviour == "450-rcpt":
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        behaviour = session.aiom_behaviour
        if behaviour == "451":
            return "451 4.3.0 Temporary local problem, try again"
        if behaviour == "554":
            return "554 5.7.1 Message rejected: sender domain not allowed"
        if behaviour == "drop":
            server.transport.close()
            return "421 closing"
        self.server.messages.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "message": email.message_from_bytes(envelope.original_content, policy=email.policy.default),
            }
        )
        return "250 2.0.0 OK queued"


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def committed_mail_server(server_id=None, unlink=False, **values):
    """Create (no id), change or remove an ``ir.mail_server`` in a committed transaction of its own.

    AI COO's Odoo transport sends from a transaction of its own, as in production, which sees only
    committed servers: tests create theirs this way, before their own transaction starts (so that
    it sees the server too), and remove it when their class is done.
    """
    with Registry(get_db_name()).cursor() as cr:
        servers = api.Environment(cr, SUPERUSER_ID, {})["ir.mail_server"]
        if server_id is None:
            return servers.create({"name": "AI COO test relay", "smtp_encryption": "none", **values}).id
        if unlink:
            servers.browse(server_id).unlink()
        else:
            servers.browse(server_id).write(values)
        return server_id


def closed_port():
    """A port on 127.0.0.1 where nothing listens."""
    return _free_port()
