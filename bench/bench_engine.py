# Run by bench/run.sh inside `odoo shell`: `env` is given. Nothing is committed.
import os
import sys

sys.path.insert(0, os.environ["AIOM_BENCH_DIR"])
from benchlib import lift_proposal_rates, measure, table

N = 1000
admin = env.ref("base.user_admin")  # noqa: F821 - provided by odoo shell
env = env(user=admin.id)  # noqa: F821 - a real user: access rights are checked as in production
Partner, Action = env["res.partner"], env["aiom.action"]
lift_proposal_rates(env)

# Warm-up: load caches and code paths once.
Partner.create({"name": "warm-up"})
Action.propose(
    {"name": "warm-up", "action_type": "odoo_create", "parameters": {"model": "res.partner", "values": {"name": "w"}}}
).action_approve()

with measure(env) as raw:
    for index in range(N):
        Partner.create({"name": f"Raw partner {index}", "email": f"raw{index}@example.com"})

actions = [
    Action.propose(
        {
            "name": f"Create partner {index}",
            "action_type": "odoo_create",
            "parameters": {
                "model": "res.partner",
                "values": {"name": f"Engine partner {index}", "email": f"e{index}@example.com"},
            },
        }
    )
    for index in range(N)
]
with measure(env) as engine:
    for action in actions:
        action.action_approve()
assert all(action.state == "executed" for action in actions), {a.state for a in actions}

with measure(env) as proposals:
    for index in range(N):
        Action.propose(
            {
                "name": f"Create partner {index}",
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"name": f"P{index}"}},
            }
        )

table(
    f"Execution: {N} odoo_create actions approved through the engine vs plain ORM create",
    [
        ("ORM create, one by one (baseline)", raw.seconds, raw.queries, N),
        ("engine: action_approve (lock, execute, audit)", engine.seconds, engine.queries, N),
        ("propose (validate, guardrails, store)", proposals.seconds, proposals.queries, N),
    ],
    "ORM create, one by one (baseline)",
)
env.cr.rollback()
