from . import test_execution, test_install, test_propose, test_transitions, test_ui
