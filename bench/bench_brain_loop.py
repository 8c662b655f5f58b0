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
from benchlib import peak_rss_mib, table

N = int(os.environ.get("AIOM_BENCH_RECORDS", "100000"))
BATCH = 1000
env = env  # noqa: F821 - provided by odoo shell
operator = env.ref("aiom_coo.user_aiom_operator")
company = env.company
cr = env.cr

env["aiom.analyzer"]._setup_operator_groups()
stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
partners = env["res.partner"].create(
    [{"name": f"Bench customer {i}", "email": f"c{i}@example.com"} for i in range(1000)]
)
env.flush_all()
started = time.perf_counter()
cr.execute(
    """
    INSERT INTO crm_lead (name, type, active, probability, stage_id, company_id, partner_id, user_id,
                          expected_revenue, date_last_stage_update, create_date, write_date, create_uid, write_uid)
    SELECT 'Bench deal ' || i, 'opportunity', true, 20, %(stage)s, %(company)s, (%(partners)s)[1 + i %% 1000], %(uid)s,
           1000 + i %% 50000,
           CASE WHEN i %% 20 = 0 THEN now() - interval '40 days' ELSE now() - interval '2 days' END,
           now(), now(), %(uid)s, %(uid)s
      FROM generate_series(1, %(n)s) AS i
    """,
    {"stage": stage.id, "company": company.id, "partners": partners.ids, "uid": env.uid, "n": N},
)
cr.execute(
    """
    INSERT INTO account_move (name, move_type, state, payment_state, auto_post, journal_id, company_id, currency_id,
                              partner_id, commercial_partner_id, date, invoice_date, invoice_date_due,
                              amount_total, amount_residual, amount_total_signed, amount_residual_signed,
                              create_date, write_date, create_uid, write_uid)
    SELECT 'BENCH/' || i, 'out_invoice', 'posted', 'not_paid', 'no', %(journal)s, %(company)s, %(currency)s,
           (%(partners)s)[1 + i %% 1000], (%(partners)s)[1 + i %% 1000],
           current_date - 60, current_date - 60,
           CASE WHEN i %% 20 = 0 THEN current_date - (8 + i %% 40) ELSE current_date + 10 END,
           100 + i %% 900, 100 + i %% 900, 100 + i %% 900, 100 + i %% 900,
           now(), now(), %(uid)s, %(uid)s
      FROM generate_series(1, %(n)s) AS i
    """,
    {
        "journal": journal.id,
        "company": company.id,
        "currency": company.currency_id.id,
        "partners": partners.ids,
        "uid": env.uid,
        "n": N,
    },
)
cr.execute("ANALYZE crm_lead; ANALYZE account_move; ANALYZE mail_message")
print(f"Generated {N} opportunities and {N} posted invoices in {time.perf_counter() - started:.1f} s")

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


def loop_until_done():
    """Run the loop batch by batch, as ir.cron does while progress says work remains."""
    env.invalidate_all()
    proposed, rounds = 0, 0
    tracemalloc.start()
    start, queries = time.perf_counter(), cr.sql_log_count
    while True:
        rounds += 1
        outcome = Action._cron_brain_loop(batch_size=BATCH)
        env.flush_all()
        cr.precommit.run()
        env.invalidate_all()  # what a commit between cron rounds would do to the cache
        proposed += len(outcome["proposed"])
        if len(outcome["proposed"]) < BATCH:
            break
    elapsed, count = time.perf_counter() - start, cr.sql_log_count - queries
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, count, proposed, rounds, peak


first = loop_until_done()
# What autovacuum does between cron runs in production: fresh planner statistics.
cr.execute("ANALYZE aiom_action; ANALYZE aiom_action_step; ANALYZE aiom_followup")
second = loop_until_done()
table(
    f"Brain loop over {N} opportunities + {N} invoices ({stalled + overdue} candidates)",
    [
        ("bare SQL selecting the candidates (baseline)", baseline[0], baseline[1], stalled + overdue),
        (f"first run: {first[2]} proposals in {first[3]} rounds", first[0], first[1], stalled + overdue),
        (f"second run: {second[2]} proposals in {second[3]} rounds", second[0], second[1], stalled + overdue),
    ],
    "bare SQL selecting the candidates (baseline)",
)
print(f"Python heap peak: first run {first[4]:.0f} MiB, second run {second[4]:.0f} MiB")
print(f"Process max RSS: {peak_rss_mib():.0f} MiB")
cr.rollback()
