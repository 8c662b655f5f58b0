#!/usr/bin/env bash
# Benchmarks: ./bench/run.sh [engine|inbox|api|mcp|brain_loop|preview|queue|planner ...] (default: the first six).
# `planner` (eval_planner.py) evaluates the AI planner: AIOM_EVAL_BASE_URL names an endpoint, else scripted.
# `queue` (bench_queue.py) installs queue_job and aiom_coo_queue itself, on this database only.
# Creates a fresh database (crm, account, aiom_coo with demo data), runs each benchmark in one Odoo
# process and prints a table of figures with ratios against a baseline measured in the same run.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
ensure_venv
ensure_postgres
BENCH_DB="aiom_bench_$$"
cleanup() {
  local status=$?
  db_psql -c "DROP DATABASE IF EXISTS \"$BENCH_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$LOCAL_DIR/filestore/filestore/$BENCH_DB"
  release_postgres
  exit "$status"
}
trap cleanup EXIT
CONFIG="$LOCAL_DIR/odoo-bench-$$.conf"
write_odoo_config "$CONFIG" "$(free_port)"
log "Creating $BENCH_DB (crm, account, aiom_coo)..."
odoo_bin -c "$CONFIG" -d "$BENCH_DB" -i crm,account --stop-after-init --log-level=warn
odoo_bin -c "$CONFIG" -d "$BENCH_DB" -i aiom_coo --stop-after-init --log-level=warn
export AIOM_BENCH_DIR="$PROJECT_DIR/bench" AIOM_ODOO_CONFIG="$CONFIG" AIOM_BENCH_DB="$BENCH_DB"
log "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), PostgreSQL $(db_psql -c 'SHOW server_version' | awk '{print $1}')"
for name in "${@:-engine inbox api mcp brain_loop preview}"; do
  for bench in $name; do
    log "Benchmark: $bench"
    if [ "$bench" = api ] || [ "$bench" = mcp ] || [ "$bench" = queue ]; then
      "$VENV/bin/python" "$PROJECT_DIR/bench/bench_$bench.py"
    else
      script="$PROJECT_DIR/bench/bench_$bench.py"
      [ "$bench" = planner ] && script="$PROJECT_DIR/bench/eval_planner.py"
      odoo_bin shell -c "$CONFIG" -d "$BENCH_DB" --no-http --log-level=warn <"$script"
    fi
  done
done
