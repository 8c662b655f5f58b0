"""Size caps on everything a proposer sends: a proposal is read by people and loaded by the inbox,
so no text, list or plan may grow without bound (a 20 MB rationale once reached the kanban)."""

MAX_NAME = 200  # the card's title
MAX_SHORT_TEXT = 200  # agent names, idempotency keys, subjects, summaries
MAX_TEXT = 10_000  # rationales, reasons, notes, plain-text bodies
MAX_HTML = 100_000  # an email's HTML body
MAX_STEPS = 20  # steps of one plan
MAX_PLAN_BYTES = 256_000  # the whole plan, serialised as JSON
MAX_IDS = 1_000  # record ids in one parameter (updates are bounded further by the policy)
MAX_DEPTH = 3  # x2many commands inside x2many commands
MAX_VALUES = 100  # fields written by one create or update
MAX_RECIPIENTS = 500  # addresses of one email before the policy's own limit applies
MAX_ATTACHMENTS = 10
SEARCH_LIMIT_DEFAULT = 80  # records one search (a step, or the API's list of actions) returns by default
SEARCH_LIMIT_MAX = 500
MAX_MCP_REQUEST_BYTES = 1_000_000  # one POST to /aiom/mcp: a few plans at most
MAX_MCP_BATCH = 20  # messages in one JSON-RPC batch to /aiom/mcp
# Records a preview lists per update step; the rest are counted.
PREVIEW_RECORDS = 20
