from . import aiom_analyzer
from . import aiom_analyzer_overdue_invoices
from . import aiom_planner
