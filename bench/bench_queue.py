"""The queue_job bridge under load (issues #11, #19): the brain loop over a large database fanned out
as independent range jobs with 1, 2 and 4 workers against the same loop run synchronously in one
process, and queued API approvals per second against synchronous approvals.

Run by bench/run.sh (plain Python, not inside Odoo): it installs queue_job and aiom_coo_queue,
generates the records with SQL through `odoo shell`, copies the database (CREATE DATABASE ...
TEMPLATE) so that every run starts from the same data, starts prefork servers with the jobrunner
and polls queue_job until every job of the channel root.aiom is done. It reads the CPU time the
Odoo server's processes and the PostgreSQL cluster's used meanwhile (psutil), to tell where a job's
time goes, and the load average (other work on the machine) before each run.
"""

import ast
import json
import os
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # devtools
sys.path.insert(0, os.environ["AIOM_BENCH_DIR"])
from bench_api import drive
from benchlib import shell_script

from devtools.odoo_server import OdooServer, connect, odoo_shell, printed, run_odoo

# Records per model: 500,000 opportunities + 500,000 posted invoices by default.
N = int(os.environ.get("AIOM_BENCH_QUEUE_RECORDS", "500000"))
DUE_EVERY = 100  # 1% of each due for follow-up
BATCH = 1000
K = int(os.environ.get("AIOM_BENCH_QUEUE_ACTIONS", "300"))
CONFIG, DATABASE = os.environ["AIOM_ODOO_CONFIG"], os.environ["AIOM_BENCH_DB"]
QUEUE_PARAM = "aiom_coo_queue.queue_executions"
WORKERS = (1, 2, 4)

GENERATE = shell_script(f"generate_business_records(env, {N}, {DUE_EVERY})")

# The synchronous baseline: the existing cron method, queueing off, batch after batch in one process.
SYNC_LOOP = f"""
import time
env["ir.config_parameter"].set_param("{QUEUE_PARAM}", False)
env.cr.commit()
Action = env["aiom.action"].with_user(env.ref("aiom_coo.user_aiom_operator"))
before = env["aiom.action"].search_count([])
proposed, rounds, started = 0, 0, time.perf_counter()
while True:
    rounds += 1
    outcome = Action._cron_brain_loop(batch_size={BATCH})
    env.cr.commit()  # as ir.cron commits between rounds
    env.invalidate_all()
    proposed += len(outcome["proposed"])
    if not outcome["more"]:
        break
print("BENCH=" + repr((time.perf_counter() - started, proposed, rounds, env["aiom.action"].search_count([]) - before)))
"""

# The queued loop: the same cron method with the setting on only enqueues the analyzers' batch jobs.
ENQUEUE_LOOP = f"""
env["ir.config_parameter"].set_param("{QUEUE_PARAM}", "True")
env["aiom.action"].with_user(env.ref("aiom_coo.user_aiom_operator"))._cron_brain_loop(batch_size={BATCH})
env.cr.commit()
print("BENCH=ok")
"""

PREPARE_ACTIONS = shell_script(f"prepare_pending_creates(env, {K}, 'Queue bench')")

SYNC_APPROVE = """
import time
env["ir.config_parameter"].set_param("{param}", False)
env.cr.commit()
actions = env["aiom.action"].with_user(env.ref("base.user_admin")).browse({ids})
started = time.perf_counter()
for action in actions:
    action.action_approve()
    env.cr.commit()  # one transaction per approval, as one request or one job each
elapsed = time.perf_counter() - started
print("BENCH=" + repr((elapsed, sum(action.state == "executed" for action in actions))))
"""


def shell(database, script):
    """Run a script in `odoo shell`; return what it printed after BENCH=."""
    return printed(odoo_shell(CONFIG, database, script, timeout=None), "BENCH")


def scalar(database, query, *args):
    connection = connect(CONFIG, database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(query, args)
            return cursor.fetchone() if cursor.description else None
    finally:
        connection.close()


def copy_database(name):
    scalar("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    scalar("postgres", f'CREATE DATABASE "{name}" TEMPLATE "{DATABASE}"')


def drop_database(name):
    scalar("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(database, workers):
    """A prefork server with the jobrunner (queue_job server-wide) and capacity `workers` for root.aiom."""
    env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=f"root:{workers},root.aiom:{workers}")
    env.pop("ODOO_QUEUE_JOB_MAX_CAPACITY", None)
    return OdooServer(
        CONFIG,
        database,
        f"--workers={workers}",
        "--load=base,web,queue_job",
        "--log-level=warn",
        "--limit-time-real=1200",
        "--limit-time-cpu=1200",
        "--limit-memory-soft=4294967296",
        "--limit-memory-hard=8589934592",
        env=env,
    ).start(timeout=300)


def wait_for_jobs(database, timeout=3600):
    """Poll queue_job until every root.aiom job is done or failed; return (done, failed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting, done, failed = scalar(
            database,
            "SELECT count(*) FILTER (WHERE state NOT IN ('done', 'failed')), count(*) FILTER (WHERE state = 'done'),"
            " count(*) FILTER (WHERE state = 'failed') FROM queue_job WHERE channel = 'root.aiom'",
        )
        if not waiting and done + failed:
            return done, failed
        time.sleep(0.2)  # polling the jobs' states
    sys.exit(f"root.aiom jobs still waiting on {database} after {timeout} s")


def job_span(database):
    """(seconds from the first job started to the last job done, the jobs' own seconds added up),
    as queue_job recorded them: their quotient is how many jobs ran at once on average."""
    return scalar(
        database,
        "SELECT extract(epoch FROM max(date_done) - min(date_started)),"
        " extract(epoch FROM sum(date_done - date_started)) FROM queue_job WHERE channel = 'root.aiom'",
    )


def job_seconds(database):
    """Each job's own seconds, in the order they started: which ranges weigh most."""
    connection = connect(CONFIG, database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT args::text, round(extract(epoch FROM date_done - date_started)::numeric, 1)"
                " FROM queue_job WHERE channel = 'root.aiom' ORDER BY date_started"
            )
            return [f"{args} {seconds}s" for args, seconds in cursor.fetchall()]
    finally:
        connection.close()


def cpu_seconds(process):
    """User and system CPU seconds of ``process`` and of its children, the exited ones included."""
    try:
        total = sum(process.cpu_times()[:4])  # user, system, children_user, children_system
        for child in process.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.NoSuchProcess:
                pass
        return total
    except psutil.NoSuchProcess:
        return 0.0


def postmaster(database):
    """The PostgreSQL cluster's main process (its backends are its children), when on this machine."""
    try:
        return psutil.Process(scalar(database, "SELECT pg_backend_pid()")[0]).parent()
    except (psutil.Error, TypeError):
        return None


def load_average():
    return "load average " + ", ".join(f"{load:.2f}" for load in os.getloadavg())


def queued_loop(database, workers):
    shell(database, ENQUEUE_LOOP)
    before = scalar(database, "SELECT count(*) FROM aiom_action")[0]
    enqueued = scalar(database, "SELECT count(*) FROM queue_job WHERE channel = 'root.aiom'")[0]
    load = load_average()
    started = time.perf_counter()
    server = start_server(database, workers)
    odoo = psutil.Process(server.process.pid)
    cluster = postmaster(database)
    odoo_before, pg_before = cpu_seconds(odoo), cluster and cpu_seconds(cluster)
    try:
        done, failed = wait_for_jobs(database)
        odoo_cpu = cpu_seconds(odoo) - odoo_before
        pg_cpu = cluster and cpu_seconds(cluster) - pg_before
    finally:
        server.stop()
    wall = time.perf_counter() - started
    proposals = scalar(database, "SELECT count(*) FROM aiom_action")[0] - before
    span, busy = (float(value) for value in job_span(database))
    return {
        "wall": wall,
        "span": span,
        "busy": busy,
        "proposals": proposals,
        "done": done,
        "failed": failed,
        "enqueued": enqueued,
        "odoo_cpu": odoo_cpu,
        "pg_cpu": pg_cpu,
        "load": load,
        "jobs": job_seconds(database),
    }


def queued_approvals(database, workers):
    scalar(database, "DELETE FROM queue_job")  # the brain loop's jobs of an earlier run on this copy
    bench = json.loads(shell(database, PREPARE_ACTIONS))
    scalar(
        database,
        "INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)"
        " VALUES (%s, 'True', 1, 1, now(), now()) ON CONFLICT (key) DO UPDATE SET value = 'True'",
        QUEUE_PARAM,
    )
    server = start_server(database, workers)
    base = server.base_url
    try:
        headers = {"Authorization": f"Bearer {bench['key']}"}
        drive(f"{base}/web/webclient/version_info", [{}] * 20, headers)  # warm-up of the workers
        started = time.perf_counter()
        _lat, answered, results = drive(
            f"{base}/aiom/api/v1/actions/approve", [{"id": i} for i in bench["ids"]], headers
        )
        assert all(result["success"] and result.get("queued") for result in results), results[:3]
        done, failed = wait_for_jobs(database)
        wall = time.perf_counter() - started
    finally:
        server.stop()
    executed = scalar(
        database, "SELECT count(*) FROM aiom_action WHERE id = ANY(%s) AND state = 'executed'", bench["ids"]
    )[0]
    return wall, answered, executed, done, failed


def row(label, seconds, count, unit, baseline):
    """baseline: (seconds, count) of the baseline row; the ratio compares rates (higher is faster)."""
    rate = count / seconds if seconds else float("nan")
    ratio = rate / (baseline[1] / baseline[0]) if seconds and baseline[0] and baseline[1] else float("nan")
    print(f"{label:<64}{seconds:>10.1f}{count:>10}{rate:>12.1f} {unit:<10}{ratio:>8.2f}x")


def main():
    run_odoo(
        CONFIG, "-d", DATABASE, "-i", "queue_job,aiom_coo_queue", "--stop-after-init", "--log-level=warn", timeout=None
    )
    generated = float(shell(DATABASE, GENERATE))
    print(f"Generated {N} opportunities and {N} posted invoices (1/{DUE_EVERY} due) in {generated:.1f} s", flush=True)
    copies = {workers: f"{DATABASE}_q{workers}" for workers in WORKERS}
    for name in copies.values():
        copy_database(name)
    try:
        sync_load = load_average()
        sync = ast.literal_eval(shell(DATABASE, SYNC_LOOP))
        print(f"Synchronous loop ({sync_load}): {sync}", flush=True)
        queued = {}
        for workers, name in copies.items():
            queued[workers] = queued_loop(name, workers)
            print(f"Queued loop, {workers} worker(s): {queued[workers]}", flush=True)
        approvals_sync_ids = json.loads(shell(DATABASE, PREPARE_ACTIONS))["ids"]
        sync_approve = ast.literal_eval(shell(DATABASE, SYNC_APPROVE.format(param=QUEUE_PARAM, ids=approvals_sync_ids)))
        print(f"Synchronous approvals: {sync_approve}", flush=True)
        approvals = queued_approvals(copies[2], 2)
        print(f"Queued approvals, 2 workers: {approvals}", flush=True)
    finally:
        for name in copies.values():
            drop_database(name)

    print(f"\nSynchronous loop measured with {sync_load} before it.")
    print(f"Brain loop over {N:,} opportunities + {N:,} posted invoices (1% of each due), batches of {BATCH}")
    print(f"{'case':<64}{'seconds':>10}{'count':>10}{'rate':>12} {'':<10}{'ratio':>9}")
    baseline = (sync[0], sync[3])
    row(f"synchronous, one process, {sync[2]} rounds (baseline)", sync[0], sync[3], "proposals/s", baseline)
    for workers, run in queued.items():
        row(
            f"queued, {workers} worker(s), {run['enqueued']} range jobs: server start to last done",
            run["wall"],
            run["proposals"],
            "proposals/s",
            baseline,
        )
        row(
            f"  idem, first job started to last job done ({run['done']} done, {run['failed']} failed)",
            run["span"],
            run["proposals"],
            "",
            baseline,
        )
    print(
        f"\n{'workers':<10}{'span s':>8}{'vs 1 worker':>13}{'wall s':>8}{'vs 1 worker':>13}"
        f"{'jobs at once':>14}{'Odoo CPU s':>12}{'PG CPU s':>10}  load before the run"
    )
    one = queued[WORKERS[0]]
    for workers, run in queued.items():
        pg_cpu = f"{run['pg_cpu']:>10.1f}" if run["pg_cpu"] is not None else f"{'?':>10}"
        print(
            f"{workers:<10}{run['span']:>8.1f}{one['span'] / run['span']:>12.2f}x{run['wall']:>8.1f}"
            f"{one['wall'] / run['wall']:>12.2f}x{run['busy'] / run['span']:>14.2f}{run['odoo_cpu']:>12.1f}{pg_cpu}"
            f"  {run['load']}"
        )
    print(f"\nApprovals of {K} pending odoo_create actions")
    print(f"{'case':<64}{'seconds':>10}{'count':>10}{'rate':>12} {'':<10}{'ratio':>9}")
    row(
        "synchronous, action_approve() in one process (baseline)",
        sync_approve[0],
        sync_approve[1],
        "actions/s",
        sync_approve,
    )
    wall, answered, executed, done, failed = approvals
    row(
        f"queued, 2 workers, 8 clients: API approve to last job done ({failed} failed)",
        wall,
        executed,
        "actions/s",
        sync_approve,
    )
    row("  idem, API answers only (queued)", answered, K, "answers/s", sync_approve)


if __name__ == "__main__":
    main()
