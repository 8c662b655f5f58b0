import re

import werkzeug.datastructures
import werkzeug.exceptions

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import SessionExpiredException, request

from ..controllers import mcp
from ..controllers.api import unauthorized_reply


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_aiom_api(cls):
        """An Odoo API key (``Authorization: Bearer KEY``) or, without one, the browser session.

        Odoo's own ``auth='bearer'`` accepts a session only for top-level navigations (its Sec-Fetch
        check), which a JSON-RPC POST from a page never is; the API's routes are JSON-only (the
        JSON-RPC routes by their type, the compatibility route by its Content-Type check), so the
        session case is as safe here as Odoo's own ``/web/dataset/call_kw``.

        Refused on a ``type='http'`` route (the compatibility route), the answer is JSON with HTTP
        401, not Odoo's redirect to the login page.
        """
        try:
            if request.httprequest.headers.get("Authorization"):
                cls._aiom_auth_bearer()
            else:
                cls._auth_method_user()
        except (AccessDenied, SessionExpiredException, werkzeug.exceptions.Unauthorized) as error:
            if request.dispatcher.routing_type != "http":
                raise
            werkzeug.exceptions.abort(unauthorized_reply(error))

    @classmethod
    def _auth_method_aiom_mcp(cls):
        """An Odoo API key only (``Authorization: Bearer KEY``), for the MCP endpoint: no browser
        session, so no page of another site can act through it. Refused: HTTP 401 with a JSON-RPC
        error and ``WWW-Authenticate: Bearer``, as MCP clients expect."""
        try:
            if not request.httprequest.headers.get("Authorization"):
                raise SessionExpiredException("Authentication required")  # pylint: disable=translation-required
            cls._aiom_auth_bearer()
        except (AccessDenied, SessionExpiredException, werkzeug.exceptions.Unauthorized) as error:
            werkzeug.exceptions.abort(mcp.unauthorized_reply(error))

    @classmethod
    def _aiom_auth_bearer(cls):
        """Odoo's bearer authentication (``_auth_method_bearer``), with the key's verification kept
        for a minute per worker (``res.users.apikeys._aiom_check_key``)."""
        match = re.match(r"^bearer\s+(.+)$", request.httprequest.headers.get("Authorization", ""), re.IGNORECASE)
        uid = match and request.env["res.users.apikeys"]._aiom_check_key(match.group(1))
        if not uid:
            raise werkzeug.exceptions.Unauthorized(
                "Invalid apikey", www_authenticate=werkzeug.datastructures.WWWAuthenticate("bearer")
            )
        if request.env.uid and request.env.uid != uid:
            # Odoo's own (untranslated) words in _auth_method_bearer.
            raise AccessDenied("Session user does not match the used apikey")  # pylint: disable=translation-required
        request.update_env(user=uid)
        cls._auth_method_user()
