# Run by bench/run.sh inside `odoo shell`: `env` is given. Nothing is committed.
import os
import sys

sys.path.insert(0, os.environ["AIOM_BENCH_DIR"])
from benchlib import measure, table

from odoo.addons.aiom_coo.models.aiom_action import ENGINE

N = int(os.environ.get("AIOM_BENCH_INBOX_ACTIONS", "100000"))
env = env(user=env.ref("base.user_admin").id)  # noqa: F821
Action = env["aiom.action"]
states = ["pending", "executed", "failed", "rejected", "blocked", "cancelled", "expired"]
Action.with_context(aiom_engine=ENGINE, tracking_disable=True).create(
    [
        {
            "name": f"Follow up {index}",
            "action_type": "activity_schedule",
            "parameters": {"model": "res.partner", "res_id": 1, "summary": "Call"},
            "target_model": "res.partner",
            "target_res_id": 1,
            "state": states[index % len(states)],
            "risk_level": ("low", "medium", "high")[index % 3],
            "confidence": (index % 100) / 100,
            "agent": f"agent-{index % 7}",
            "rationale": "Generated for the benchmark. " * 4,
        }
        for index in range(N)
    ]
)
env.flush_all()
env.cr.execute("ANALYZE aiom_action")  # what autovacuum does after a bulk load
kanban_fields = {
    "name": {},
    "rationale": {},
    "state": {},
    "risk_level": {},
    "confidence": {},
    "priority": {},
    "action_type": {},
    "agent": {},
    "type_icon": {},
    "target_ref": {},
    "target_model": {},
    "target_res_id": {},
    "company_id": {},
    "proposed_by_id": {"fields": {"display_name": {}}},
    "create_date": {},
    "error_message": {},
}

with measure(env) as sql:
    env.cr.execute("SELECT state, count(*) FROM aiom_action GROUP BY state")
    env.cr.fetchall()
    for state in states:
        env.cr.execute("SELECT * FROM aiom_action WHERE state = %s ORDER BY priority DESC, id DESC LIMIT 40", [state])
        env.cr.fetchall()

env.invalidate_all()
with measure(env) as kanban:
    groups = Action.web_read_group([], ["state"], ["state"], lazy=True)
    for group in groups["groups"]:
        # As the web client asks for each open column: 40 cards, counted up to its count limit.
        Action.web_search_read(group["__domain"], kanban_fields, limit=40, count_limit=10001)

table(
    f"Inbox: kanban load (grouped by state, 40 cards per column) over {N} actions",
    [
        ("raw SQL: count per state + 40 rows per state (baseline)", sql.seconds, sql.queries, len(states)),
        ("web_read_group + web_search_read per column", kanban.seconds, kanban.queries, len(states)),
    ],
    "raw SQL: count per state + 40 rows per state (baseline)",
)
env.cr.rollback()
