from . import (
    aiom_action,
    aiom_action_dashboard,
    aiom_action_demo,
    aiom_action_inbox,
    aiom_action_step,
    aiom_email_receipt,
    aiom_step_handler,
    aiom_step_handler_email,
    ir_http,
    res_config_settings,
)
