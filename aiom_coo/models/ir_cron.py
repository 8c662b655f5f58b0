from contextvars import ContextVar

from odoo import models

# The scheduled actions being run by "Run Manually" in this thread of execution, and who clicked.
# A context key would not do: Odoo replaces the context before running the job, and clients can
# send any context key.
_RUN_MANUALLY = ContextVar("aiom_coo_cron_run_manually", default=None)


class IrCron(models.Model):
    _inherit = "ir.cron"

    def method_direct_trigger(self):
        """Run Manually. Odoo 18 runs the job as the scheduled action's user and then records
        ``lastcall`` as that user too: a user without rights on scheduled actions (the AI COO
        Operator, on purpose) cannot, and the whole run rolled back with an AccessError. The
        administrator who clicked (Odoo checks that they may write scheduled actions) records it."""
        token = _RUN_MANUALLY.set((frozenset(self.ids), self.env.uid))
        try:
            return super().method_direct_trigger()
        finally:
            _RUN_MANUALLY.reset(token)

    def write(self, vals):
        manual = _RUN_MANUALLY.get()
        if manual and set(vals) == {"lastcall"} and self.ids and set(self.ids) <= manual[0]:
            return super(IrCron, self.with_user(manual[1])).write(vals)
        return super().write(vals)
