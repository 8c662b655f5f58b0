# Run by bench/run.sh inside `odoo shell`: `env` is given. Nothing is committed.
# The preview an approver reads before approving: a 5-step plan whose updates reach 20 deals and
# 20 customers, read with the approver's rights, cold (nothing cached) as on opening the form.
import os
import statistics
import sys
import time

sys.path.insert(0, os.environ["AIOM_BENCH_DIR"])
from benchlib import measure, table

RUNS = int(os.environ.get("AIOM_BENCH_PREVIEW_RUNS", "30"))
RECORDS = int(os.environ.get("AIOM_BENCH_PREVIEW_RECORDS", "20"))
env = env(user=env.ref("base.user_admin").id)  # noqa: F821
customers = env["res.partner"].create(
    [{"name": f"Preview customer {i}", "email": f"preview{i}@example.com"} for i in range(RECORDS)]
)
deals = env["crm.lead"].create(
    [
        {"name": f"Preview deal {i}", "type": "opportunity", "stage_id": env.ref("crm.stage_lead1").id}
        for i in range(RECORDS)
    ]
)
target = deals[0]
action = env["aiom.action"].propose(
    {
        "name": "Win the deals and tell the customers",
        "target": {"model": "crm.lead", "id": target.id},
        "steps": [
            {
                "name": "win",
                "action_type": "odoo_update",
                "parameters": {
                    "model": "crm.lead",
                    "ids": deals.ids,
                    "values": {
                        "stage_id": env.ref("crm.stage_lead4").id,
                        "partner_id": customers[0].id,
                        "expected_revenue": 12500,
                        "user_id": env.uid,
                    },
                },
            },
            {
                "name": "tag",
                "action_type": "odoo_update",
                "parameters": {"model": "res.partner", "ids": customers.ids, "values": {"function": "Buyer"}},
            },
            {
                "name": "note",
                "action_type": "message_post",
                "parameters": {"model": "crm.lead", "res_id": target.id, "body": "Won after the demo."},
            },
            {
                "name": "call",
                "action_type": "activity_schedule",
                "parameters": {"model": "crm.lead", "res_id": target.id, "summary": "Kick-off call", "days": 2},
            },
            {
                "name": "thanks",
                "action_type": "email_send",
                "parameters": {
                    "to": [customers[0].email],
                    "subject": "Thank you, {{ target.name }}",
                    "html": "<p>Thank you for your order.</p>",
                },
            },
        ],
    }
)
assert action.state == "pending", action.error_message
env.flush_all()
fields_read = ["stage_id", "partner_id", "expected_revenue", "user_id", "display_name", "write_date"]


def cold(run):
    env.invalidate_all()
    env.registry.clear_cache()  # and the ormcaches: the preview as a fresh worker reads it
    return run()


def timed(run):
    times = []
    for _index in range(RUNS):
        env.invalidate_all()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


preview_run = lambda: action.get_preview()  # noqa: E731
baseline_run = lambda: (deals.read(fields_read), customers.read(["function", "display_name", "write_date"]))  # noqa: E731
preview_run()
with measure(env) as baseline:
    env.invalidate_all()
    baseline_run()
with measure(env) as preview:
    env.invalidate_all()
    steps = preview_run()[action.id]["steps"]
assert [len(step["records"]) for step in steps[:2]] == [RECORDS, RECORDS], steps
median, worst = timed(preview_run)
baseline_median, _worst = timed(baseline_run)
table(
    f"Preview: a 5-step plan updating {RECORDS} deals and {RECORDS} customers (median of {RUNS}, nothing cached)",
    [
        ("read the records' fields (baseline)", baseline_median, baseline.queries, 1),
        ("aiom.action.get_preview, as the approver", median, preview.queries, 1),
    ],
    "read the records' fields (baseline)",
)
print(
    f"preview: median {1000 * median:.1f} ms, worst {1000 * worst:.1f} ms, {preview.queries} queries (target <= 50 ms)"
)
env.cr.rollback()
