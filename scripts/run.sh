#!/usr/bin/env bash
# Serve Odoo 18 with aiom_coo on http://localhost:${PORT:-8069}, database "aiom" with demo data.
# First run installs the modules (a few minutes); later runs reuse the database and upgrade aiom_coo.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT="${PORT:-8069}"
DB_NAME="${DB_NAME:-aiom}"
MODULES="crm,account,project"

ensure_venv
ensure_postgres
trap release_postgres EXIT
CONFIG="$LOCAL_DIR/odoo-run.conf"
write_odoo_config "$CONFIG" "$PORT"

if [ -z "$(db_psql -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
  log "Creating database $DB_NAME with $MODULES and aiom_coo, demo data included (about 2 minutes)..."
  # The business apps first, so that aiom_coo's demo data finds their records.
  odoo_bin -c "$CONFIG" -d "$DB_NAME" -i "$MODULES" --stop-after-init --log-level=warn
  odoo_bin -c "$CONFIG" -d "$DB_NAME" -i aiom_coo --stop-after-init --log-level=warn
else
  log "Reusing database $DB_NAME: upgrading aiom_coo..."
  odoo_bin -c "$CONFIG" -d "$DB_NAME" -u aiom_coo --stop-after-init --log-level=warn
fi

log "Odoo is starting on http://localhost:$PORT  (login: admin, password: admin). Ctrl-C stops it."
# In the foreground, not exec: Ctrl-C reaches Odoo, which shuts down cleanly, and then the EXIT
# trap stops the embedded PostgreSQL (unless a test or benchmark run of this checkout still uses it).
odoo_bin -c "$CONFIG" -d "$DB_NAME" --db-filter="^$DB_NAME\$"
