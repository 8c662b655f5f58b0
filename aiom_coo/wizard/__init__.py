from . import aiom_brain_loop_run
