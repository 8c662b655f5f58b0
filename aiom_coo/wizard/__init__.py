from . import aiom_brain_loop_run
from . import aiom_planner_ask
