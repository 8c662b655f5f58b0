from . import aiom_action_demo
