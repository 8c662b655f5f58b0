"""Small helpers shared by the benchmarks: a timer that also counts SQL queries and a table."""

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
