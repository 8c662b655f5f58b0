"""Small helpers shared by the benchmarks: a timer that also counts SQL queries and a table."""

import datetime
import resource
import time
from contextlib import contextmanager


class Measure:
    seconds = 0.0
    queries = 0


@contextmanager
def measure(env):
    """Wall time and SQL queries of the block, flushes and pre-commit hooks included."""
    result = Measure()
    env.flush_all()
    queries, start = env.cr.sql_log_count, time.perf_counter()
    yield result
    env.flush_all()
    env.cr.precommit.run()  # tracking messages are written here: part of the cost
    result.seconds = time.perf_counter() - start
    result.queries = env.cr.sql_log_count - queries


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(title, rows, baseline_label):
    """Print rows of (label, seconds, queries, count) with the ratio to the baseline row."""
    baseline = next(row for row in rows if row[0] == baseline_label)
    print(f"\n{title}")
    print(f"{'case':<52}{'seconds':>10}{'per item ms':>13}{'queries':>10}{'q/item':>8}{'ratio':>11}")
    for label, seconds, queries, count in rows:
        ratio = seconds / baseline[1] if baseline[1] else float("nan")
        per_item = 1000 * seconds / count if count else 0.0
        per_query = queries / count if count else 0.0
        print(f"{label:<52}{seconds:>10.3f}{per_item:>13.2f}{queries:>10}{per_query:>8.1f}{ratio:>10.2f}x")


def generate_business_records(env, n, due_every):
    """Insert with SQL ``n`` opportunities and ``n`` posted customer invoices spread over 1,000
    customers, one in ``due_every`` of each due for follow-up; return the seconds it took."""
    company = env.company
    stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    partners = env["res.partner"].create(
        [{"name": f"Bench customer {i}", "email": f"c{i}@example.com"} for i in range(1000)]
    )
    env.flush_all()
    started = time.perf_counter()
    params = {
        "stage": stage.id,
        "company": company.id,
        "currency": company.currency_id.id,
        "journal": journal.id,
        "partners": partners.ids,
        "uid": env.uid,
        # An internal salesperson, as real deals have: the follow-up emails reply to them.
        "salesperson": env.ref("base.user_admin").id,
        "n": n,
        "due": due_every,
    }
    env.cr.execute(
        """
        INSERT INTO crm_lead (name, type, active, probability, stage_id, company_id, partner_id, user_id,
                              expected_revenue, date_last_stage_update, create_date, write_date, create_uid, write_uid)
        SELECT 'Bench deal ' || i, 'opportunity', true, 20, %(stage)s, %(company)s, (%(partners)s)[1 + i %% 1000],
               %(salesperson)s, 1000 + i %% 50000,
               CASE WHEN i %% %(due)s = 0 THEN now() - interval '40 days' ELSE now() - interval '2 days' END,
               now(), now(), %(uid)s, %(uid)s
          FROM generate_series(1, %(n)s) AS i
        """,
        params,
    )
    env.cr.execute(
        """
        INSERT INTO account_move (name, move_type, state, payment_state, auto_post, journal_id, company_id,
                                  currency_id, partner_id, commercial_partner_id, date, invoice_date, invoice_date_due,
                                  amount_total, amount_residual, amount_total_signed, amount_residual_signed,
                                  create_date, write_date, create_uid, write_uid)
        SELECT 'BENCH/' || i, 'out_invoice', 'posted', 'not_paid', 'no', %(journal)s, %(company)s, %(currency)s,
               (%(partners)s)[1 + i %% 1000], (%(partners)s)[1 + i %% 1000],
               current_date - 60, current_date - 60,
               CASE WHEN i %% %(due)s = 0 THEN current_date - (8 + i %% 40) ELSE current_date + 10 END,
               100 + i %% 900, 100 + i %% 900, 100 + i %% 900, 100 + i %% 900,
               now(), now(), %(uid)s, %(uid)s
          FROM generate_series(1, %(n)s) AS i
        """,
        params,
    )
    env.cr.execute("ANALYZE crm_lead; ANALYZE account_move; ANALYZE mail_message")
    return time.perf_counter() - started


def lift_proposal_rates(env):
    """A benchmark files thousands of proposals an hour as one user: lift the policy's per-user and
    per-agent hourly limits (guardrails a real agent meets), nothing else."""
    policy = env["aiom.guardrail.policy"]._for_company(env.company)
    if policy.id:
        policy.write({"user_hourly_proposal_limit": 0, "agent_hourly_proposal_limit": 0})


def prepare_pending_creates(env, count, label):
    """An admin API key and ``count`` pending odoo_create actions: {"key": ..., "ids": [...]}."""
    lift_proposal_rates(env)
    admin = env.ref("base.user_admin")
    expires = datetime.datetime.now() + datetime.timedelta(hours=2)
    key = env["res.users.apikeys"].with_user(admin)._generate(None, "bench", expires)
    Action = env["aiom.action"].with_user(admin)
    ids = [
        Action.propose(
            {
                "name": f"{label} {i}",
                "action_type": "odoo_create",
                "parameters": {"model": "res.partner", "values": {"name": f"{label} {i}"}},
            }
        ).id
        for i in range(count)
    ]
    return {"key": key, "ids": ids}


def shell_script(call):
    """An `odoo shell` script that imports this module, evaluates ``call`` (a Python expression using
    ``env``), commits and prints its JSON result on a BENCH= line."""
    return (
        "import json, os, sys\n"
        "sys.path.insert(0, os.environ['AIOM_BENCH_DIR'])\n"
        "import benchlib\n"
        f"result = benchlib.{call}\n"
        "env.cr.commit()\n"
        "print('BENCH=' + json.dumps(result))\n"
    )
