#!/usr/bin/env bash
# Regenerate aiom_coo/i18n/aiom_coo.pot from a database where aiom_coo is installed (default: aiom).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DB_NAME="${DB_NAME:-aiom}"
ensure_venv
ensure_postgres
trap release_postgres EXIT
CONFIG="$LOCAL_DIR/odoo-i18n.conf"
write_odoo_config "$CONFIG" "$(free_port)"
# Upgrade first: field labels and view strings are exported from the database.
odoo_bin -c "$CONFIG" -d "$DB_NAME" -u aiom_coo --stop-after-init --log-level=warn
odoo_bin -c "$CONFIG" -d "$DB_NAME" --i18n-export="$PROJECT_DIR/aiom_coo/i18n/aiom_coo.pot" \
  --modules=aiom_coo --stop-after-init --log-level=warn
log "Wrote aiom_coo/i18n/aiom_coo.pot"
