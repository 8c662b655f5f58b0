from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    aiom_autonomy_level = fields.Selection(
        [
            ("suggest", "Suggest: every action waits for a person"),
            ("auto_low_risk", "Auto-execute low-risk actions"),
            ("off", "Off: nothing executes"),
        ],
        string="Autonomy level",
        default="suggest",
        config_parameter="aiom_coo.autonomy_level",
    )
    aiom_auto_confidence_threshold = fields.Float(
        string="Minimum confidence for automatic execution",
        default=0.9,
        config_parameter="aiom_coo.auto_confidence_threshold",
    )
