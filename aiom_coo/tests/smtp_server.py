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
