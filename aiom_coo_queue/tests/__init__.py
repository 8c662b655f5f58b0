from odoo.tests import common

# queue_job's test helpers register themselves in SETATTR_SOURCES, which Odoo 18.0 trees older
# than mid-2025 do not have yet: give them an empty one so that trap_jobs imports everywhere.
if not hasattr(common, "SETATTR_SOURCES"):
    common.SETATTR_SOURCES = {}

from . import test_queue
from . import test_queue_volume
