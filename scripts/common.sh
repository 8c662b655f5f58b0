# shellcheck shell=bash
# Shared helpers for scripts/run.sh and scripts/test.sh: Odoo source, virtualenv,
# PostgreSQL (the user's, or a private embedded cluster) and the Odoo config file.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo-src/18.0}"
VENV="$PROJECT_DIR/.venv"
LOCAL_DIR="$PROJECT_DIR/.local"
# Key per checkout so that two clones never share a cluster, a port or a socket.
CHECKOUT_KEY="$(printf '%s' "$PROJECT_DIR" | cksum | cut -d' ' -f1)"
PG_BIN="${PG_BIN:-}"
EMBEDDED_PG=0

log() { printf '\033[1m[aiom]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[aiom] error:\033[0m %s\n' "$*" >&2; exit 1; }

ensure_odoo_src() {
  if [ -f "$ODOO_SRC/odoo/release.py" ]; then
    return
  fi
  if command -v git >/dev/null && git ls-remote --heads https://github.com/odoo/odoo 18.0 >/dev/null 2>&1; then
    log "Odoo source not found at $ODOO_SRC: cloning odoo/odoo branch 18.0 (depth 1)..."
    mkdir -p "$(dirname "$ODOO_SRC")"
    git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo "$ODOO_SRC"
    return
  fi
  die "Odoo 18.0 source not found at ODOO_SRC=$ODOO_SRC and github.com is unreachable.
  Provide an Odoo 18.0 (community) source tree containing odoo/release.py and the addons
  (for example: git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo /opt/odoo-src/18.0),
  or set ODOO_SRC to where it is."
}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" /root/.pyenv/versions/3.12.1/bin/python python3.12 python3.11 python3.10 python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))' 2>/dev/null; then
      command -v "$candidate"
      return
    fi
  done
  die "Python 3.10, 3.11 or 3.12 is required (set PYTHON=/path/to/python3.12)."
}

ensure_venv() {
  ensure_odoo_src
  local stamp="$VENV/.aiom-stamp" want
  want="$(cat "$ODOO_SRC/requirements.txt" "$PROJECT_DIR/requirements-dev.txt" | cksum | cut -d' ' -f1):$ODOO_SRC"
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return
  fi
  local python
  python="$(find_python)"
  log "Preparing the virtualenv in .venv with $python (first time: a few minutes)..."
  [ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip wheel "setuptools<81"
  # python-ldap needs OpenLDAP headers and only serves auth_ldap, which we do not use.
  grep -v '^python-ldap' "$ODOO_SRC/requirements.txt" >"$VENV/odoo-requirements.txt"
  "$VENV/bin/pip" install --quiet -r "$VENV/odoo-requirements.txt"
  "$VENV/bin/pip" install --quiet --no-deps -e "$ODOO_SRC"
  "$VENV/bin/pip" install --quiet -r "$PROJECT_DIR/requirements-dev.txt"
  # Addons installed with pip (queue_job) live in site-packages/odoo/addons: that bare odoo/
  # directory would shadow the editable install's import hook. A plain path entry to the source
  # makes the real odoo package win, and odoo.addons still extends over site-packages.
  local site_packages
  site_packages="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  printf '%s\n' "$ODOO_SRC" >"$site_packages/aiom-odoo-src.pth"
  printf '%s' "$want" >"$stamp"
}

free_port() {
  "$VENV/bin/python" - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

# --- PostgreSQL ------------------------------------------------------------------------------

find_pg_bin() {
  if [ -n "$PG_BIN" ]; then return; fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && PG_BIN="$dir"
  done
  [ -n "$PG_BIN" ] || PG_BIN="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL 13+ or set PGHOST/PGPORT/PGUSER/PGPASSWORD to a server of yours."
}

# As root, the server must run as another OS user; everything else runs as the caller.
as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

pg_paths() {
  PG_OS_USER="${PG_OS_USER:-postgres}"
  PG_DATA="$LOCAL_DIR/pgdata"
  if [ "$(id -u)" = 0 ] && ! runuser -u "$PG_OS_USER" -- test -x "$PROJECT_DIR" 2>/dev/null; then
    # The postgres user cannot enter this checkout (e.g. under /root): keep the cluster in /tmp.
    PG_DATA="/tmp/aiom-pg-$CHECKOUT_KEY/data"
  fi
  PG_SOCKET_DIR="/tmp/aiom-pg-$CHECKOUT_KEY/socket"
  PG_PORT_FILE="/tmp/aiom-pg-$CHECKOUT_KEY/port"
}

ensure_postgres() {
  if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}${PGPASSWORD:-}" ]; then
    DB_HOST="${PGHOST:-localhost}" DB_PORT="${PGPORT:-5432}" DB_USER="${PGUSER:-$(id -un)}"
    DB_PASSWORD="${PGPASSWORD:-}"
    log "Using your PostgreSQL at $DB_HOST:$DB_PORT as $DB_USER."
    return
  fi
  EMBEDDED_PG=1
  find_pg_bin
  pg_paths
  mkdir -p "$(dirname "$PG_DATA")" "$PG_SOCKET_DIR"
  if [ "$(id -u)" = 0 ]; then
    id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$PG_OS_USER"
    chown "$PG_OS_USER" "$(dirname "$PG_DATA")" "$PG_SOCKET_DIR"
  fi
  chmod 700 "$PG_SOCKET_DIR"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "Creating a private PostgreSQL cluster in $PG_DATA..."
    as_pg_owner "$PG_BIN/initdb" --pgdata="$PG_DATA" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      --username=postgres >/dev/null
  fi
  DB_PORT="$(cat "$PG_PORT_FILE" 2>/dev/null || true)"
  if ! as_pg_owner "$PG_BIN/pg_ctl" status --pgdata="$PG_DATA" >/dev/null 2>&1; then
    DB_PORT="$(free_port)"
    echo "$DB_PORT" >"$PG_PORT_FILE"
    # Unix socket only (listen_addresses=''), in a 0700 directory: no other OS user can connect.
    as_pg_owner "$PG_BIN/pg_ctl" start --pgdata="$PG_DATA" --wait --silent \
      --log="$(dirname "$PG_DATA")/postgres.log" \
      -o "-c listen_addresses='' -c port=$DB_PORT -c unix_socket_directories=$PG_SOCKET_DIR -c fsync=off -c max_connections=200" \
      >/dev/null || die "PostgreSQL did not start: see $(dirname "$PG_DATA")/postgres.log"
  fi
  DB_HOST="$PG_SOCKET_DIR" DB_USER="aiom" DB_PASSWORD=""
  # Odoo refuses the postgres role: give it a role of its own that may create databases.
  as_pg_owner "$PG_BIN/psql" -h "$PG_SOCKET_DIR" -p "$DB_PORT" -U postgres -d postgres -qtAc \
    "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aiom') THEN CREATE ROLE aiom LOGIN CREATEDB; END IF; END\$\$;" >/dev/null
}

stop_postgres() {
  if [ "$EMBEDDED_PG" = 1 ]; then
    as_pg_owner "$PG_BIN/pg_ctl" stop --pgdata="$PG_DATA" --mode=fast --silent >/dev/null 2>&1 || true
  fi
}

# psql as the Odoo role, against the configured server.
db_psql() {
  PGPASSWORD="$DB_PASSWORD" "${PG_BIN:-/usr/bin}/psql" -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -qtA "$@"
}

# --- Odoo --------------------------------------------------------------------------------------

write_odoo_config() {  # $1: config path, $2: http port
  mkdir -p "$(dirname "$1")"
  cat >"$1" <<CONF
[options]
addons_path = $ODOO_SRC/odoo/addons,$PROJECT_DIR
data_dir = $LOCAL_DIR/filestore
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
http_port = $2
http_interface = ${HTTP_INTERFACE:-}
list_db = False
without_demo = False
CONF
}

odoo_bin() {
  "$VENV/bin/python" "$VENV/bin/odoo" "$@"
}
