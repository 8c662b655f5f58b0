#!/usr/bin/env bash
# The whole test suite: lint, a fresh test database with crm, account, project, aiom_coo (demo
# data) and its bridges (aiom_coo_crm, _account, _project, and _queue with queue_job), the addons'
# Odoo tests through pytest-odoo (browser tours in headless Chromium) and the end-to-end tests in
# tests/ against a live server.
# Exit status is non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_venv
ensure_chromium
cd "$PROJECT_DIR"

log "Lint: ruff and pylint-odoo (OCA mandatory checks)..."
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check --quiet .
"$VENV/bin/pylint" --rcfile=.pylintrc-mandatory aiom_coo aiom_coo_queue aiom_coo_crm aiom_coo_account aiom_coo_project \
  tests/addons/aiom_coo_test_step_type

ensure_postgres
TEST_DB="aiom_test_$$"
LIFECYCLE_DB="${TEST_DB}_lifecycle"
# Throwaway databases that tests/ builds itself: aiom_coo alone, and the release before the bridges.
ALONE_DB="${TEST_DB}_alone"
UPGRADE_DB="${TEST_DB}_upgrade"
cleanup() {
  local status=$? database
  for database in "$LIFECYCLE_DB" "$ALONE_DB" "$UPGRADE_DB" "$TEST_DB"; do
    db_psql -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$LOCAL_DIR/filestore/filestore/$database"
  done
  release_postgres
  exit "$status"
}
trap cleanup EXIT

CONFIG="$LOCAL_DIR/odoo-test-$$.conf"
write_odoo_config "$CONFIG" "$(free_port)"
# Test-only addons (a step type added by another addon) are on the test server's path only.
sed -i "s|^addons_path = \\(.*\\)|addons_path = \\1,$PROJECT_DIR/tests/addons|" "$CONFIG"
log "Creating test database $TEST_DB with crm, account, project, aiom_coo and its bridges (about 2 minutes)..."
# The business apps first; aiom_coo's bridges to them (aiom_coo_crm, ...) install themselves with it.
odoo_bin -c "$CONFIG" -d "$TEST_DB" -i crm,account,project --stop-after-init --log-level=warn
odoo_bin -c "$CONFIG" -d "$TEST_DB" -i aiom_coo,queue_job,aiom_coo_queue,aiom_coo_test_step_type --stop-after-init --log-level=warn
# A copy for the upgrade/uninstall tests, taken while nothing is connected to the original.
db_psql -c "CREATE DATABASE \"$LIFECYCLE_DB\" TEMPLATE \"$TEST_DB\""

export AIOM_ODOO_CONFIG="$CONFIG" AIOM_TEST_DB="$TEST_DB" AIOM_LIFECYCLE_DB="$LIFECYCLE_DB"
export AIOM_ALONE_DB="$ALONE_DB" AIOM_UPGRADE_DB="$UPGRADE_DB"
# pytest-odoo's in-process HTTP server would start a queue_job jobrunner of its own and take the
# test database's runner lock: jobs run only in the servers that tests/test_queue_job_live.py starts.
export ODOO_QUEUE_JOB_MAX_CAPACITY=0
log "Running the tests..."
"$VENV/bin/python" -m pytest aiom_coo/tests aiom_coo_crm/tests aiom_coo_account/tests aiom_coo_project/tests \
  aiom_coo_queue/tests tests \
  --odoo-config="$CONFIG" --odoo-database="$TEST_DB" --odoo-http --odoo-log-level=warn "$@"
