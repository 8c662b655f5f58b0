from odoo import fields, models

QUEUE_PARAM = "aiom_coo_queue.queue_executions"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    aiom_queue_executions = fields.Boolean(
        string="Run on queue_job",
        config_parameter=QUEUE_PARAM,
        help="Automatic executions, API approvals and the brain loop's analyzers run as queue_job jobs "
        "on the root.aiom channel, spread over every Odoo server that runs the jobrunner. "
        "The inbox's Approve button still executes at once.",
    )
