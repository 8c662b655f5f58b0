class ActionFailedError(Exception):
    """An action's execution failed: the job fails with the action's own message."""
