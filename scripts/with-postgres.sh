#!/usr/bin/env bash
# with-postgres.sh COMMAND [ARGS...]
#
# Run COMMAND against a throwaway PostgreSQL cluster, so the test suite can
# exercise a real PostgreSQL and not only SQLite.
#
# - If KINERJA_TEST_DATABASE_URL is already set, COMMAND runs with it as is
#   (a developer pointing at their own server).
# - Otherwise Debian's PostgreSQL server binaries are used from
#   /usr/lib/postgresql/<version>/bin (highest version); when missing they are
#   installed with apt-get (root only). A fresh cluster is created in a
#   mktemp -d directory, listens on 127.0.0.1 only, on a free port, with trust
#   auth for the superuser role "kinerja" and a database "kinerja_test".
# - COMMAND runs with
#   KINERJA_TEST_DATABASE_URL=postgresql+psycopg://kinerja@127.0.0.1:PORT/kinerja_test
#   and, so that a test can restart the server under load (tests/test_chaos.py),
#   KINERJA_TEST_PGDATA (the data directory), KINERJA_TEST_PG_CTL (its pg_ctl),
#   KINERJA_TEST_PG_LOG (the server log) and KINERJA_TEST_PG_OWNER (the system user
#   that must run pg_ctl; empty when it is the caller).
# - The cluster is stopped and its directory removed on exit, failure or
#   Ctrl-C; the script exits with COMMAND's exit status.
set -euo pipefail

readonly PG_LIB_ROOT=/usr/lib/postgresql
readonly PG_ROLE=kinerja
readonly PG_DB=kinerja_test
readonly FIRST_PORT=55432
readonly PORT_ATTEMPTS=50
readonly START_TIMEOUT=60

log() {
    printf 'with-postgres: %s\n' "$*" >&2
}

die() {
    log "error: $*"
    exit 1
}

if [[ $# -eq 0 ]]; then
    printf 'usage: %s COMMAND [ARGS...]\n' "${0##*/}" >&2
    exit 2
fi

# A developer's own server wins: nothing to start or clean up.
if [[ -n "${KINERJA_TEST_DATABASE_URL:-}" ]]; then
    exec "$@"
fi

is_root() {
    [[ "$(id -u)" -eq 0 ]]
}

# Print the bin dir of the highest installed PostgreSQL server version.
# Debian's paths only: stray initdb/pg_ctl in /usr/local/bin or on PATH may be
# anything, and a version dir may hold only client tools (postgresql-client-N
# without postgresql-N), so all three server binaries must be present.
find_bindir() {
    local dir
    for dir in "$PG_LIB_ROOT"/*/bin; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
            printf '%s\n' "$dir"
        fi
    done | sort -V | tail -n 1
}

bindir="$(find_bindir)"
if [[ -z "$bindir" ]]; then
    if ! is_root; then
        die "no PostgreSQL server found in $PG_LIB_ROOT/*/bin;" \
            "install Debian's package: sudo apt-get install postgresql"
    fi
    log "no PostgreSQL server in $PG_LIB_ROOT/*/bin; installing Debian's postgresql package"
    # apt output goes to stderr so COMMAND's stdout stays clean.
    apt-get update >&2
    # The package's postinst may create and start a default cluster on 5432;
    # we neither use nor touch it (our ports start at $FIRST_PORT).
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
    bindir="$(find_bindir)"
    [[ -n "$bindir" ]] || die "postgresql installed but no server binaries in $PG_LIB_ROOT/*/bin"
fi

# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# "postgres" system user (which Debian's package creates).
pg_user=""
if is_root; then
    pg_user=postgres
    if ! id -u "$pg_user" >/dev/null 2>&1; then
        log "creating system user $pg_user"
        useradd --system --user-group --no-create-home \
            --home-dir /var/lib/postgresql --shell /usr/sbin/nologin "$pg_user"
    fi
fi

# Run a server tool as the cluster owner. cd into the cluster dir first: the
# caller's cwd (e.g. under /root) may be unreadable to postgres, and initdb /
# pg_ctl fail when they cannot resolve their cwd.
as_owner() {
    if [[ -n "$pg_user" ]]; then
        (cd "$tmpdir" && runuser -u "$pg_user" -- "$@")
    else
        (cd "$tmpdir" && "$@")
    fi
}

# "postgres (PostgreSQL) 15.18 (Debian ...)" -> "15.18"
pg_version="$("$bindir/postgres" --version | awk '{print $3}')"

# As root use /tmp rather than $TMPDIR: root's TMPDIR may be unreachable for
# postgres. Keep the path short: the unix socket path must fit in ~107 bytes.
if is_root; then
    tmpdir="$(mktemp -d /tmp/with-postgres.XXXXXX)"
else
    tmpdir="$(mktemp -d "${TMPDIR:-/tmp}/with-postgres.XXXXXX")"
fi
datadir="$tmpdir/data"
logfile="$tmpdir/server.log"
server_started=0

# Only called from the EXIT trap, which shellcheck 0.9 does not follow.
# shellcheck disable=SC2317
cleanup() {
    # Best effort: never let a cleanup failure mask COMMAND's status.
    set +e
    if [[ "$server_started" -eq 1 && -f "$datadir/postmaster.pid" ]]; then
        # Immediate: the data is thrown away, no need for a clean checkpoint.
        if ! as_owner "$bindir/pg_ctl" stop -D "$datadir" -m immediate -w -t 30 >/dev/null 2>&1; then
            local pid
            pid="$(head -n 1 "$datadir/postmaster.pid" 2>/dev/null)"
            if [[ "$pid" =~ ^[0-9]+$ ]]; then
                log "pg_ctl stop failed; killing postmaster $pid"
                kill -KILL "$pid" 2>/dev/null
            fi
        fi
    fi
    rm -rf -- "$tmpdir"
}
# Cleanup runs from the EXIT trap, and the signal traps turn a signal into an
# exit, so it happens exactly once on every path. Bash runs these traps only
# after the foreground COMMAND has returned (Ctrl-C reaches COMMAND too).
trap 'status=$?; cleanup; exit "$status"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "$pg_user" ]]; then
    chown "$pg_user:" "$tmpdir"
fi
chmod 700 "$tmpdir"

# Trust auth (local and 127.0.0.1/::1 host lines) and superuser role $PG_ROLE,
# so the URL needs no password. C locale + UTF8: the same on every machine,
# whatever locales are installed. --no-sync: the cluster is throwaway.
if ! as_owner "$bindir/initdb" -D "$datadir" -U "$PG_ROLE" --auth=trust \
    --encoding=UTF8 --locale=C --no-sync >"$tmpdir/initdb.log" 2>&1; then
    cat "$tmpdir/initdb.log" >&2
    die "initdb failed"
fi

# Appended as root: >> keeps the file's owner (postgres). The port is given on
# the command line below because it may change between start attempts.
cat >>"$datadir/postgresql.conf" <<EOF

# --- with-postgres.sh: throwaway test cluster ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmpdir'
max_connections = 100
# The cluster is deleted after the run, so surviving an operating-system crash is pointless:
# no fsync. Commits still wait for their WAL to be written (synchronous_commit stays on,
# which costs little without fsync): tests/test_chaos.py crashes the server (pg_ctl
# restart -m immediate) and checks that no acknowledged completion is lost.
fsync = off
full_page_writes = off
EOF

# Is anything already listening on 127.0.0.1:$1? (a connect succeeds)
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Try ports upward from FIRST_PORT. Checking first avoids most collisions; the
# retry on "Address already in use" covers the race with other processes (e.g.
# two CI jobs picking the same port at once).
port=""
candidate=$FIRST_PORT
for ((attempt = 0; attempt < PORT_ATTEMPTS; attempt++, candidate++)); do
    if port_in_use "$candidate"; then
        continue
    fi
    if as_owner "$bindir/pg_ctl" start -D "$datadir" -l "$logfile" -w -t "$START_TIMEOUT" \
        -o "-p $candidate" >"$tmpdir/pg_ctl.log" 2>&1; then
        port=$candidate
        server_started=1
        break
    fi
    # pg_ctl may have given up waiting while the postmaster still runs: make
    # sure cleanup stops it.
    server_started=1
    if grep -q 'Address already in use' "$logfile" 2>/dev/null \
        && [[ ! -f "$datadir/postmaster.pid" ]]; then
        : >"$logfile"
        continue
    fi
    cat "$tmpdir/pg_ctl.log" "$logfile" >&2 2>/dev/null
    die "PostgreSQL failed to start on 127.0.0.1:$candidate (pg_ctl output and server log above)"
done
[[ -n "$port" ]] || die "no free TCP port in $FIRST_PORT..$((FIRST_PORT + PORT_ATTEMPTS - 1))"

# pg_ctl -w waited for the postmaster; also check the TCP path the tests use.
ready=0
for ((i = 0; i < START_TIMEOUT * 10; i++)); do
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$PG_ROLE" -d postgres; then
        ready=1
        break
    fi
    sleep 0.1
done
if [[ "$ready" -ne 1 ]]; then
    cat "$logfile" >&2
    die "PostgreSQL not accepting connections on 127.0.0.1:$port after ${START_TIMEOUT}s"
fi

if ! "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$PG_ROLE" -O "$PG_ROLE" "$PG_DB"; then
    cat "$logfile" >&2
    die "createdb $PG_DB failed"
fi

log "PostgreSQL $pg_version on 127.0.0.1:$port (data in $tmpdir)"

export KINERJA_TEST_DATABASE_URL="postgresql+psycopg://$PG_ROLE@127.0.0.1:$port/$PG_DB"
export KINERJA_TEST_PGDATA="$datadir" KINERJA_TEST_PG_CTL="$bindir/pg_ctl" KINERJA_TEST_PG_LOG="$logfile"
export KINERJA_TEST_PG_OWNER="$pg_user"

# Not exec: the EXIT trap must run afterwards to stop the cluster.
set +e
"$@"
status=$?
set -e
exit "$status"
