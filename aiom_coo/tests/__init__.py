from . import test_install
from . import test_propose
from . import test_execution
from . import test_transitions
from . import test_email
from . import test_smtp2go_client
from . import test_guardrails
from . import test_ui
