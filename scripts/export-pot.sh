#!/usr/bin/env bash
# Regenerate <addon>/i18n/<addon>.pot of aiom_coo and its bridges from a database where they are
# installed (default: aiom, which scripts/run.sh creates with crm, account and project).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DB_NAME="${DB_NAME:-aiom}"
ADDONS="${ADDONS:-aiom_coo aiom_coo_crm aiom_coo_account aiom_coo_project}"
ensure_venv
ensure_postgres
trap release_postgres EXIT
CONFIG="$LOCAL_DIR/odoo-i18n.conf"
write_odoo_config "$CONFIG" "$(free_port)"
# Upgrade first: field labels and view strings are exported from the database.
odoo_bin -c "$CONFIG" -d "$DB_NAME" -u "${ADDONS// /,}" --stop-after-init --log-level=warn
for addon in $ADDONS; do
  odoo_bin -c "$CONFIG" -d "$DB_NAME" --i18n-export="$PROJECT_DIR/$addon/i18n/$addon.pot" \
    --modules="$addon" --stop-after-init --log-level=warn
  log "Wrote $addon/i18n/$addon.pot"
done
