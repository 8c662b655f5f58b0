"""The built-in floor under every guardrail policy: what no proposal reaches, at any depth of its
values, domains or references, whatever a policy says.

A policy (``aiom.guardrail.policy``) narrows what the AI may do in a company; this floor is the
part no administrator can loosen: security and configuration data, the messaging and integration
machinery (which holds credentials and sends mail outside our limits), and the AI COO itself.
"""

DENIED_MODEL_PREFIXES = (
    # security and configuration
    "ir.",
    "res.users",
    "res.groups",
    "res.company",
    "res.config",
    "res.lang",
    "res.currency",
    "base.",
    "base_",
    "auth.",
    "auth_",
    "change.password",
    # messaging machinery: messages, followers, templates and mail queues bypass our email limits
    "mail.",
    "bus.",
    "discuss.",
    "digest.",
    "web_tour.",
    "sms.",
    "snailmail.",
    "fetchmail.",
    # integrations that hold credentials
    "iap.",
    "payment.",
    # the AI COO and the job queue that runs it
    "aiom.",
    "queue.",
)
# Links to these grant rights or reach configuration, whatever the record that holds them.
RIGHTS_COMODELS = ("res.groups", "res.users.apikeys")
# Writable x2many/one2many relations to users create or re-parent accounts.
USER_MODEL = "res.users"
# Field types a plan may write; anything else (json, properties, references) is refused.
WRITABLE_TYPES = {
    "char",
    "text",
    "html",
    "integer",
    "float",
    "monetary",
    "boolean",
    "date",
    "datetime",
    "selection",
    "many2one",
    "one2many",
    "many2many",
}
# The one non-stored computed field a reference or a search may read: a record's name.
READABLE_COMPUTED = {"display_name"}


def model_is_denied(model):
    """True for models no plan may touch or read through (``model`` is a recordset); SQL views
    (reports) and abstract or transient models included."""
    name = model._name
    return name.startswith(DENIED_MODEL_PREFIXES) or model._abstract or model._transient or not model._auto


def grants_rights(field):
    """True for fields whose value would grant rights or reach configuration."""
    comodel = getattr(field, "comodel_name", None) or ""
    if comodel in RIGHTS_COMODELS or comodel.startswith("ir."):
        return True
    return comodel == USER_MODEL and field.type in ("one2many", "many2many")


def readable_field_problem(field, env):
    """Why a reference or a search may not read ``field`` as the user of ``env``, or None."""
    if not field.is_accessible(env):
        return "restricted to some groups"
    if field.compute and not field.store and field.name not in READABLE_COMPUTED:
        return "a computed field that is not stored"
    if field.type in ("binary", "json", "properties"):
        return f"a {field.type} field"
    return None
