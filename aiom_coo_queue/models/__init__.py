from . import aiom_action, aiom_analyzer, res_config_settings
