# shellcheck shell=bash
# Shared helpers for scripts/run.sh, scripts/test.sh and bench/run.sh: Odoo source, system
# prerequisites, virtualenv, PostgreSQL (the user's, or a private embedded cluster) and the Odoo
# config file (written by devtools/odoo_config.py, which the tests use too).
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$PROJECT_DIR/.venv"
LOCAL_DIR="$PROJECT_DIR/.local"
# Where the Odoo 18.0 source is: $ODOO_SRC when given; else the machine-wide tree in
# /opt/odoo-src/18.0 when it holds one; else .local/odoo-18.0 in this checkout (cloned when missing).
MACHINE_ODOO_SRC=/opt/odoo-src/18.0
if [ -z "${ODOO_SRC:-}" ]; then
  if [ -f "$MACHINE_ODOO_SRC/odoo/release.py" ]; then
    ODOO_SRC="$MACHINE_ODOO_SRC"
  else
    ODOO_SRC="$LOCAL_DIR/odoo-18.0"
  fi
fi
export ODOO_SRC
# Key per checkout so that two clones never share a cluster, a port or a socket.
CHECKOUT_KEY="$(printf '%s' "$PROJECT_DIR" | cksum | cut -d' ' -f1)"
PG_BIN="${PG_BIN:-}"
EMBEDDED_PG=0

log() { printf '\033[1m[aiom]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[aiom] error:\033[0m %s\n' "$*" >&2; exit 1; }

# --- System packages -----------------------------------------------------------------------------

# Install Debian/Ubuntu packages: apt-get as root, sudo otherwise; or stop with the command to run.
# $1: what they are for; the rest: package names.
install_packages() {
  local why="$1"
  shift
  local command="apt-get install -y $*"
  command -v apt-get >/dev/null 2>&1 ||
    die "$why: missing $* (Debian/Ubuntu package names: install your system's equivalents)."
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
      sudo=(sudo)
    else
      die "$why: missing $*. Run:  sudo $command"
    fi
  fi
  log "$why: installing $* (${sudo[*]:+sudo }apt-get)..."
  "${sudo[@]}" apt-get update -qq >/dev/null &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
    die "apt-get could not install $*. Run:  ${sudo[*]:+sudo }$command"
}

# --- Odoo source ---------------------------------------------------------------------------------

ensure_odoo_src() {
  if [ -f "$ODOO_SRC/odoo/release.py" ]; then
    return
  fi
  if [ -e "$ODOO_SRC" ] && [ -n "$(ls -A "$ODOO_SRC" 2>/dev/null)" ]; then
    die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (no odoo/release.py) and not empty: fix or remove it."
  fi
  command -v git >/dev/null 2>&1 || install_packages "Cloning the Odoo source" git
  log "Odoo source not found at $ODOO_SRC: cloning odoo/odoo branch 18.0 (depth 1)..."
  mkdir -p "$(dirname "$ODOO_SRC")"
  git clone --quiet --depth 1 --branch 18.0 https://github.com/odoo/odoo "$ODOO_SRC" ||
    die "Could not clone https://github.com/odoo/odoo (branch 18.0) into $ODOO_SRC.
  Provide an Odoo 18.0 (community) source tree (a git clone, or an unpacked nightly
  odoo_18.0.latest.tar.gz) and set ODOO_SRC to it."
}

# --- Python --------------------------------------------------------------------------------------

# Print the newest Python 3.10-3.12 interpreter: $PYTHON when given; else among python3.12, 3.11,
# 3.10 and python3 on PATH and pyenv's installed versions.
find_python() {
  local check='import sys; v = sys.version_info; print(v[1] if v[0] == 3 and 10 <= v[1] <= 12 else 0, sys.executable)'
  local candidate minor executable best="" best_minor=0
  if [ -n "${PYTHON:-}" ]; then
    read -r minor executable < <("$PYTHON" -c "$check" 2>/dev/null || echo 0)
    [ "${minor:-0}" != 0 ] || die "PYTHON=$PYTHON is not a Python 3.10, 3.11 or 3.12 interpreter."
    echo "$executable"
    return
  fi
  local candidates=(python3.12 python3.11 python3.10 python3)
  if command -v pyenv >/dev/null 2>&1 || [ -d "${PYENV_ROOT:-$HOME/.pyenv}/versions" ]; then
    local pyenv_root
    pyenv_root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
    for candidate in "$pyenv_root"/versions/3.1[0-2]*/bin/python; do
      [ -x "$candidate" ] && candidates+=("$candidate")
    done
  fi
  for candidate in "${candidates[@]}"; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    read -r minor executable < <("$candidate" -c "$check" 2>/dev/null || echo 0)
    if [ "${minor:-0}" -gt "$best_minor" ]; then
      best="$executable" best_minor="$minor"
    fi
  done
  [ -n "$best" ] || die "Python 3.10, 3.11 or 3.12 is required and none was found (Odoo 18 does not support 3.13).
  Install one (Debian 12 and Ubuntu 22.04/24.04: apt-get install python3; elsewhere: pyenv install 3.12)
  or set PYTHON=/path/to/python3.12."
  echo "$best"
}

# What building Odoo's requirements needs: psycopg2 has no wheel for its pinned versions, so it is
# compiled (a C compiler, libpq and Python headers), and Debian's Python needs its venv package.
ensure_build_prerequisites() {  # $1: the interpreter
  local python="$1" version missing=()
  version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if ! printf '#include <stdio.h>\nint main(void) { return 0; }\n' | cc -x c - -o /dev/null 2>/dev/null; then
    missing+=(build-essential)
  fi
  if ! command -v pg_config >/dev/null 2>&1 || [ ! -f "$(pg_config --includedir)/libpq-fe.h" ]; then
    missing+=(libpq-dev)
  fi
  local system_python=0
  case "$python" in /usr/bin/*) system_python=1 ;; esac
  if ! "$python" -c 'import os, sys, sysconfig
sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
    [ "$system_python" = 1 ] || die "$python has no C headers (Python.h): use a Python built with them (pyenv's are)."
    missing+=("python$version-dev")
  fi
  if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    [ "$system_python" = 1 ] || die "$python cannot create virtualenvs (no ensurepip module)."
    missing+=("python$version-venv")
  fi
  [ "${#missing[@]}" = 0 ] || install_packages "Building Odoo's Python requirements (psycopg2)" "${missing[@]}"
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
  ensure_build_prerequisites "$python"
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

# The browser tours (HttpCase) drive headless Chromium.
ensure_chromium() {
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$name" >/dev/null 2>&1 && return
  done
  if grep -qi '^ID=ubuntu' /etc/os-release 2>/dev/null; then
    install_packages "The browser tests" chromium-browser
  else
    install_packages "The browser tests" chromium
  fi
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
  if [ ! -x "$PG_BIN/initdb" ]; then
    PG_BIN=""
    install_packages "The private PostgreSQL cluster (or set PGHOST/PGPORT/PGUSER/PGPASSWORD to your server)" postgresql
    find_pg_bin
  fi
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
  PG_RUN_DIR="/tmp/aiom-pg-$CHECKOUT_KEY"
  PG_SOCKET_DIR="$PG_RUN_DIR/socket"
  PG_PORT_FILE="$PG_RUN_DIR/port"
  # Who uses the cluster: one file per script process (its pid), and a mark when a script started it.
  PG_USERS_DIR="$PG_RUN_DIR/users"
  PG_STARTED_MARK="$PG_RUN_DIR/started-by-scripts"
}

# Serialise the scripts of this checkout around starting, registering and stopping (fd 9).
pg_lock() {
  exec 9>"$PG_RUN_DIR/lock"
  flock 9
}
pg_unlock() { exec 9>&-; }

ensure_postgres() {
  if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}${PGPASSWORD:-}" ]; then
    DB_HOST="${PGHOST:-localhost}" DB_PORT="${PGPORT:-5432}" DB_USER="${PGUSER:-$(id -un)}"
    DB_PASSWORD="${PGPASSWORD:-}"
    log "Using your PostgreSQL at $DB_HOST:$DB_PORT as $DB_USER."
    return
  fi
  find_pg_bin
  pg_paths
  mkdir -p "$(dirname "$PG_DATA")" "$PG_SOCKET_DIR" "$PG_USERS_DIR"
  if [ "$(id -u)" = 0 ]; then
    id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$PG_OS_USER"
    chown "$PG_OS_USER" "$(dirname "$PG_DATA")" "$PG_SOCKET_DIR"
  fi
  chmod 700 "$PG_SOCKET_DIR"
  pg_lock
  EMBEDDED_PG=1
  touch "$PG_USERS_DIR/$$"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "Creating a private PostgreSQL cluster in $PG_DATA..."
    as_pg_owner "$PG_BIN/initdb" --pgdata="$PG_DATA" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      --username=postgres >/dev/null 9>&-
  fi
  DB_PORT="$(cat "$PG_PORT_FILE" 2>/dev/null || true)"
  if ! as_pg_owner "$PG_BIN/pg_ctl" status --pgdata="$PG_DATA" >/dev/null 2>&1; then
    DB_PORT="$(free_port)"
    echo "$DB_PORT" >"$PG_PORT_FILE"
    # Unix socket only (listen_addresses=''), in a 0700 directory: no other OS user can connect.
    # 9>&-: the server must not inherit the lock.
    as_pg_owner "$PG_BIN/pg_ctl" start --pgdata="$PG_DATA" --wait --silent \
      --log="$(dirname "$PG_DATA")/postgres.log" \
      -o "-c listen_addresses='' -c port=$DB_PORT -c unix_socket_directories=$PG_SOCKET_DIR -c fsync=off -c max_connections=200" \
      >/dev/null 9>&- || { pg_unlock; die "PostgreSQL did not start: see $(dirname "$PG_DATA")/postgres.log"; }
    touch "$PG_STARTED_MARK"
  fi
  pg_unlock
  DB_HOST="$PG_SOCKET_DIR" DB_USER="aiom" DB_PASSWORD=""
  # Odoo refuses the postgres role: give it a role of its own that may create databases.
  as_pg_owner "$PG_BIN/psql" -h "$PG_SOCKET_DIR" -p "$DB_PORT" -U postgres -d postgres -qtAc \
    "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aiom') THEN CREATE ROLE aiom LOGIN CREATEDB; END IF; END\$\$;" >/dev/null
}

# On exit of a script: stop the private cluster only if a script of this checkout started it and no
# other one (run.sh serving, a test or benchmark run) still uses it.
release_postgres() {
  [ "$EMBEDDED_PG" = 1 ] || return 0
  pg_lock
  rm -f "$PG_USERS_DIR/$$"
  local user
  for user in "$PG_USERS_DIR"/*; do
    [ -e "$user" ] || continue
    kill -0 "$(basename "$user")" 2>/dev/null || rm -f "$user"  # a script that died without cleaning up
  done
  if [ -f "$PG_STARTED_MARK" ] && [ -z "$(ls -A "$PG_USERS_DIR")" ]; then
    as_pg_owner "$PG_BIN/pg_ctl" stop --pgdata="$PG_DATA" --mode=fast --silent >/dev/null 2>&1 || true
    rm -f "$PG_STARTED_MARK"
  elif [ -n "$(ls -A "$PG_USERS_DIR")" ]; then
    log "PostgreSQL keeps running: another script of this checkout uses it."
  fi
  pg_unlock
}

# psql as the Odoo role, against the configured server.
db_psql() {
  PGPASSWORD="$DB_PASSWORD" "${PG_BIN:-/usr/bin}/psql" -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -qtA "$@"
}

# --- Odoo --------------------------------------------------------------------------------------

write_odoo_config() {  # $1: config path, $2: http port
  "$VENV/bin/python" "$PROJECT_DIR/devtools/odoo_config.py" "$1" --odoo-src "$ODOO_SRC" \
    --db-host "$DB_HOST" --db-port "$DB_PORT" --db-user "$DB_USER" --db-password "$DB_PASSWORD" \
    --http-port "$2" --http-interface "${HTTP_INTERFACE:-}" --data-dir "$LOCAL_DIR/filestore"
}

odoo_bin() {
  "$VENV/bin/python" "$VENV/bin/odoo" "$@"
}
