from odoo import api, models
from odoo.exceptions import AccessError

# An object cannot travel through JSON-RPC, so only server code can hold this context key.
ENGINE = object()


class AiomEngineGuard(models.AbstractModel):
    """Fields only the AI COO engine writes, refused to everyone else (RPC, forms, imports).

    Approvers have write access to actions (to decide on them), so without this a client could
    write ``state='executed'``, a forged result, or a plan other than the one that was proposed.
    Records are created by the engine only (``propose``); ``_engine_fields`` names the fields it
    alone writes, and ``None`` makes every field and unlink its own. The engine writes through
    ``_engine()``.
    """

    _name = "aiom.engine.guard"
    _description = "AI COO engine-written fields"
    _engine_fields = None

    def _engine(self):
        return self.with_context(aiom_engine=ENGINE)

    def _is_engine(self):
        return self.env.context.get("aiom_engine") is ENGINE

    def _check_engine_write(self, vals):
        if self._is_engine():
            return
        protected = set(vals) if self._engine_fields is None else set(vals) & self._engine_fields
        if protected:
            raise AccessError(
                self.env._(
                    "%(model)s: %(fields)s are written by the AI COO engine only; use the action's buttons or methods.",
                    model=self._description,
                    fields=", ".join(sorted(protected)),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_engine():
            raise AccessError(
                self.env._("%s records are created by the AI COO engine only: propose an action.", self._description)
            )
        return super().create(vals_list)

    def write(self, vals):
        self._check_engine_write(vals)
        return super().write(vals)

    def unlink(self):
        if self._engine_fields is None and not self._is_engine():
            raise AccessError(self.env._("%s: removed by the AI COO engine only.", self._description))
        return super().unlink()
