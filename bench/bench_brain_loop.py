# Run by bench/run.sh inside `odoo shell`: `env` is given. Nothing is committed.
# 100,000 opportunities and 100,000 posted customer invoices, 5% of each due for follow-up,
# inserted with SQL; then the brain loop runs twice (a first pass that files every proposal, in
# batches as the cron would, and a second that must add nothing), against the bare SQL query
# that selects the same candidates.
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.environ["AIOM_BENCH_DIR"])
from benchlib import generate_business_records, peak_rss_mib, table

N = int(os.environ.get("AIOM_BENCH_RECORDS", "100000"))
# AIOM_BENCH_HEAP=0 skips the second, traced pass of each run (at 1,000,000 records it doubles the time).
TRACE_HEAP = os.environ.get("AIOM_BENCH_HEAP", "1") != "0"
BATCH = 1000
env = env  # noqa: F821 - provided by odoo shell
operator = env.ref("aiom_coo.user_aiom_operator")
company = env.company
cr = env.cr

seconds = generate_business_records(env, N, due_every=20)  # 5% of each due
print(f"Generated {N} opportunities and {N} posted invoices in {seconds:.1f} s")

# Baseline: the bare SQL that selects the same candidates.
start, queries = time.perf_counter(), cr.sql_log_count
cr.execute(
    """
    SELECT count(*) FROM crm_lead l
     WHERE l.active AND l.type = 'opportunity' AND l.probability < 100
       AND l.date_last_stage_update < now() - interval '14 days'
       AND NOT EXISTS (SELECT 1 FROM mail_message m WHERE m.model = 'crm.lead' AND m.res_id = l.id
                          AND m.message_type IN ('email', 'comment') AND m.date >= now() - interval '14 days')
       AND NOT EXISTS (SELECT 1 FROM mail_activity a WHERE a.res_model = 'crm.lead' AND a.res_id = l.id)
    """
)
stalled = cr.fetchone()[0]
cr.execute(
    """
    SELECT count(*) FROM account_move
     WHERE move_type = 'out_invoice' AND state = 'posted' AND payment_state IN ('not_paid', 'partial')
       AND invoice_date_due < current_date - 7
    """
)
overdue = cr.fetchone()[0]
baseline = (time.perf_counter() - start, cr.sql_log_count - queries)
print(f"Candidates: {stalled} stalled deals, {overdue} overdue invoices")

Action = env["aiom.action"].with_user(operator)


def loop_until_done(trace=False):
    """Run the loop batch by batch, as ir.cron does while progress says work remains. With
    ``trace``, tracemalloc follows the Python heap (it slows Python down several times: the
    timed runs go without it)."""
    env.invalidate_all()
    proposed, rounds = 0, 0
    if trace:
        tracemalloc.start()
    start, queries = time.perf_counter(), cr.sql_log_count
    while True:
        rounds += 1
        outcome = Action._cron_brain_loop(batch_size=BATCH)
        env.flush_all()
        cr.precommit.run()
        env.invalidate_all()  # what a commit between cron rounds would do to the cache
        proposed += len(outcome["proposed"])
        if not outcome["more"]:
            break
    elapsed, count = time.perf_counter() - start, cr.sql_log_count - queries
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return elapsed, count, proposed, rounds, peak


def timed_and_traced(run):
    """``run`` timed as it comes, then undone and done again under tracemalloc for its Python
    heap peak: ``(figures of the timed run, heap peak in MiB)``."""
    if not TRACE_HEAP:
        return run(), float("nan")
    cr.execute("SAVEPOINT bench_run")
    timed = run()
    cr.execute("ROLLBACK TO SAVEPOINT bench_run")
    env.invalidate_all()
    return timed, run(trace=True)[4]


first, first_heap = timed_and_traced(loop_until_done)
# What autovacuum does between cron runs in production: fresh planner statistics.
cr.execute("ANALYZE aiom_action; ANALYZE aiom_action_step; ANALYZE aiom_followup")
second, second_heap = timed_and_traced(loop_until_done)
table(
    f"Brain loop over {N} opportunities + {N} invoices ({stalled + overdue} candidates)",
    [
        ("bare SQL selecting the candidates (baseline)", baseline[0], baseline[1], stalled + overdue),
        (f"first run: {first[2]} proposals in {first[3]} rounds", first[0], first[1], stalled + overdue),
        (f"second run: {second[2]} proposals in {second[3]} rounds", second[0], second[1], stalled + overdue),
    ],
    "bare SQL selecting the candidates (baseline)",
)
print(f"Python heap peak (tracemalloc, a second pass): first run {first_heap:.0f} MiB, second {second_heap:.0f} MiB")
print(f"Process max RSS: {peak_rss_mib():.0f} MiB")
cr.rollback()
