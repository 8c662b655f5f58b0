from odoo.exceptions import ValidationError


class GuardrailViolation(ValidationError):
    """A proposal or execution that a guardrail forbids: proposals are stored as ``blocked``."""
