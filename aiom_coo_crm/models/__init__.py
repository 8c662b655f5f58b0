from . import aiom_analyzer
from . import aiom_analyzer_stage
from . import aiom_analyzer_stalled_deals
