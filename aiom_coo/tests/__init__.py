from . import (
    test_execution,
    test_inbox,
    test_install,
    test_js,
    test_propose,
    test_serialize,
    test_transitions,
    test_ui,
)
