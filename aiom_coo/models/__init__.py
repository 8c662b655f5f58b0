from . import (
    aiom_action,
    aiom_action_step,
    aiom_email_receipt,
    aiom_step_handler,
    aiom_step_handler_email,
    res_config_settings,
)
