from . import test_stalled_deals
from . import test_crm_bridge
