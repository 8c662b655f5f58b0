from . import test_execution, test_inbox, test_install, test_propose, test_transitions, test_ui
