from . import aiom_analyzer
from . import aiom_analyzer_overdue_invoices
