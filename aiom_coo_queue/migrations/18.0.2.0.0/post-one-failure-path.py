"""18.0.2.0.0: the engine records failures and retries transient ones itself; the execution job
has no retry pattern nor failure hook any more (its data record is noupdate, so it is updated here)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    function = env.ref("aiom_coo_queue.job_function_aiom_action_execute", raise_if_not_found=False)
    if function:
        function.write({"retry_pattern": {}, "on_fail_method": False})
