from odoo import http
from odoo.http import request

from odoo.addons.aiom_coo.controllers import api
from odoo.addons.aiom_coo.models.aiom_action import PENDING


class AiomApiQueue(api.AiomApi):
    @http.route()
    def approve(self, id=None, **unknown):
        """With queueing on, approve now (rights, guardrails, state) and execute in a job.

        Answers ``queued: true`` with the action ``approved``; poll ``get`` for the outcome.
        """
        if not request.env["aiom.action"]._aiom_queue_enabled():
            return super().approve(id=id, **unknown)
        api._check_request(unknown)
        action = api._action(id)
        # The same checks as an immediate approval, so that a refusal answers this request.
        with api.odoo_errors():
            action._aiom_queue_approve({PENDING})
        return {"success": True, "queued": True, "state": action.state, "result": None, "error": None}
