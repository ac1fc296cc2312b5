#!/usr/bin/env bash
# Run a command with DATABASE_URL naming a reachable PostgreSQL server.
#
#   scripts/with_postgres.sh CMD [ARGS...]
#
# 1. DATABASE_URL already set (postgres:// or postgresql://) and reachable: use it.
# 2. Otherwise PG* variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE) set and reachable:
#    build DATABASE_URL from the server they name.
# 3. Otherwise start a throwaway cluster from Debian's PostgreSQL binaries (installed with apt-get when
#    missing) in a temporary directory, on a free port of 127.0.0.1, and remove it when CMD ends.
# The role must be allowed to create databases: pytest-django creates the test database itself.
# Exits non-zero, saying why, when no PostgreSQL can be had; never skips silently.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
say() { echo "with_postgres: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

[ $# -gt 0 ] || die "usage: scripts/with_postgres.sh CMD [ARGS...]"

# A connection attempt gives up quickly instead of hanging on an unreachable host.
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}"

pg_bindir() {
    # The newest Debian PostgreSQL server binaries, if any.
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        echo "$dir"
    fi
}

find_psql() {
    if command -v psql >/dev/null 2>&1; then
        command -v psql
        return
    fi
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$dir" ] && [ -x "$dir/psql" ]; then
        echo "$dir/psql"
    fi
}

PYTHON="$ROOT/.venv/bin/python"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3 || true)"

# query [CONNINFO]: run one query, print its rows as "a|b"; fail when the server cannot be reached.
# Uses psql when installed, or psycopg from the project's virtualenv.
query() {
    local sql="$1" conninfo="${2:-}" psql
    psql="$(find_psql)"
    if [ -n "$psql" ]; then
        "$psql" ${conninfo:+"$conninfo"} -X -A -t -q -v ON_ERROR_STOP=1 -c "$sql" </dev/null 2>/dev/null
    elif [ -n "$PYTHON" ] && "$PYTHON" -c "import psycopg" 2>/dev/null; then
        "$PYTHON" - "$sql" "$conninfo" <<'PY' 2>/dev/null
import sys

import psycopg

with psycopg.connect(sys.argv[2], connect_timeout=5) as conn:
    for row in conn.execute(sys.argv[1]).fetchall():
        print("|".join("" if v is None else str(v) for v in row))
PY
    else
        return 2
    fi
}

can_create_databases() {
    # The role pytest-django uses must create (and drop) the test database.
    local allowed
    allowed="$(query "select rolsuper or rolcreatedb from pg_roles where rolname = current_user" "${1:-}" || true)"
    [ "$allowed" = "t" ] || [ "$allowed" = "True" ]
}

run_cmd() {
    say "DATABASE_URL=$(echo "$DATABASE_URL" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#')"
    "$@"
}

# 1. DATABASE_URL given by the caller.
if [ -n "${DATABASE_URL:-}" ]; then
    case "$DATABASE_URL" in
        postgres://* | postgresql://*)
            if query "select 1" "$DATABASE_URL" >/dev/null; then
                can_create_databases "$DATABASE_URL" ||
                    say "warning: the role in DATABASE_URL may not create databases; pytest-django needs CREATEDB"
                say "using the server DATABASE_URL names"
                export DATABASE_URL
                run_cmd "$@"
                exit $?
            fi
            say "DATABASE_URL names a server that cannot be reached; starting a throwaway cluster instead"
            ;;
        *)
            die "DATABASE_URL is set but does not name PostgreSQL (postgres:// or postgresql://): ${DATABASE_URL%%:*}://..."
            ;;
    esac
fi

# 2. libpq's own PG* variables.
if [ -z "${DATABASE_URL:-}" ] && env | grep -qE '^PG(HOST|HOSTADDR|PORT|USER|DATABASE|PASSWORD|SERVICE)='; then
    if info="$(query "select current_user, current_database(), coalesce(host(inet_server_addr()), ''),
                             current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)")" &&
        [ -n "$info" ]; then
        can_create_databases ||
            say "warning: the role the PG* variables name may not create databases; pytest-django needs CREATEDB"
        DATABASE_URL="$(INFO="$info" python3 - <<'PY'
import os
from urllib.parse import quote

user, dbname, addr, port, socket_dir = os.environ["INFO"].split("|")
host = os.environ.get("PGHOST") or os.environ.get("PGHOSTADDR") or addr or socket_dir.strip()
host = host.split(",")[0]
# A socket directory goes in the host part percent-encoded, as dj-database-url expects.
host = quote(host, safe="") if host.startswith("/") else (f"[{host}]" if ":" in host else host)
password = os.environ.get("PGPASSWORD")
auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
print(f"postgresql://{auth}@{host}:{port}/{quote(dbname, safe='')}")
PY
)"
        say "using the server the PG* variables name"
        export DATABASE_URL
        run_cmd "$@"
        exit $?
    fi
    say "the PG* variables name a server that cannot be reached; starting a throwaway cluster instead"
fi

# 3. A throwaway cluster.
unset DATABASE_URL
# libpq would apply the caller's PG* settings (user, SSL mode, service...) to the throwaway server too.
for var in $(compgen -e | grep -E '^PG' || true); do
    [ "$var" = PGCONNECT_TIMEOUT ] || unset "$var"
done

BIN="$(pg_bindir)"
if [ -z "$BIN" ]; then
    say "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin; installing Debian's postgresql"
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        die "PostgreSQL is not installed and this user cannot install it (not root, no password-less sudo).
Install it with: apt-get install --no-install-recommends postgresql, or set DATABASE_URL to a server."
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "PostgreSQL is not installed and apt-get is not available; set DATABASE_URL to a PostgreSQL server."
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -q </dev/null >&2 || die "apt-get update failed; cannot install PostgreSQL"
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends postgresql </dev/null >&2 ||
        die "apt-get install postgresql failed"
    BIN="$(pg_bindir)"
    [ -n "$BIN" ] || die "postgresql installed, but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
fi

# initdb refuses to run as root: the cluster belongs to the postgres system user then.
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        say "creating the postgres system user"
        useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home --shell /bin/sh postgres ||
            die "could not create the postgres system user"
    fi
    as_owner() { runuser -u postgres -- "$@"; }
else
    as_owner() { "$@"; }
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/carebridge-pg.XXXXXX")"
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$(dirname "$TMP")"; then
    # The postgres user cannot reach the caller's TMPDIR: use /tmp.
    rmdir "$TMP"
    TMP="$(mktemp -d /tmp/carebridge-pg.XXXXXX)"
fi
PGDATA_DIR="$TMP/data"
SOCKET_DIR="$TMP/socket"
mkdir -p "$SOCKET_DIR"
[ "$(id -u)" -ne 0 ] || chown -R postgres: "$TMP"

started=""
cleanup() {
    local status=$?
    if [ -n "$started" ]; then
        (cd "$TMP" && as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1) || true
    fi
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Run from the temp dir: the postgres user may not be allowed into the caller's working directory.
cd "$TMP"
if ! as_owner "$BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync \
    >"$TMP/initdb.log" 2>&1; then
    cat "$TMP/initdb.log" >&2
    die "initdb failed"
fi

# Durability is worthless for a cluster that is deleted at exit; dropping it makes tests faster.
for attempt in 1 2 3; do
    PORT="$(free_port)"
    if as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$TMP/server.log" -w -t 60 -o \
        "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCKET_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null 2>&1; then
        started=1
        break
    fi
    say "the server did not start on port $PORT (attempt $attempt)"
    tail -n 20 "$TMP/server.log" >&2 || true
done
[ -n "$started" ] || die "could not start a throwaway PostgreSQL cluster"
cd "$OLDPWD"

export DATABASE_URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
say "started a throwaway PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') in $TMP"
set +e
run_cmd "$@"
status=$?
set -e
exit "$status"
