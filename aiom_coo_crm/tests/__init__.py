from . import test_stalled_deals
from . import test_crm_bridge
from . import test_follow_up_email
from . import test_deal_judgment
from . import test_preview_crm
from . import test_planner
from . import test_planner_eval
from . import test_planner_ui
