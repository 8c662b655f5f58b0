from odoo import models
from odoo.http import request


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_aiom_api(cls):
        """An Odoo API key (``Authorization: Bearer KEY``) or, without one, the browser session.

        Odoo's own ``auth='bearer'`` accepts a session only for top-level navigations (its Sec-Fetch
        check), which a JSON-RPC POST from a page never is; the API's routes are JSON-only, so the
        session case is as safe here as Odoo's own ``/web/dataset/call_kw``.
        """
        if request.httprequest.headers.get("Authorization"):
            cls._auth_method_bearer()
        else:
            cls._auth_method_user()
