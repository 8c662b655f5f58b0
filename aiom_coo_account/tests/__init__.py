from . import test_overdue_invoices
from . import test_llm_recommender
from . import test_account_bridge
from . import test_dunning_judgment
