from . import aiom_action, aiom_action_step, aiom_step_handler, res_config_settings
