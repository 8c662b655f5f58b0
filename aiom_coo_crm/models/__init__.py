from . import aiom_analyzer
from . import aiom_analyzer_stage
from . import aiom_analyzer_stalled_deals
from . import aiom_analyzer_unanswered_emails
from . import aiom_planner
