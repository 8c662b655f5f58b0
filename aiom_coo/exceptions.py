from odoo.exceptions import UserError, ValidationError


class GuardrailViolation(ValidationError):
    """A proposal or execution that a guardrail forbids: proposals are stored as ``blocked``."""


class TransientStepError(UserError):
    """A step failed for a reason that may pass (a provider's 429 or 5xx): the loop retries it."""


class ActionBusy(UserError):
    """Someone else (a person, a job, another server) holds the action's row lock right now."""
