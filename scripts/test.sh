#!/usr/bin/env bash
# Run the whole test suite twice: on SQLite (the embedded default) and on
# PostgreSQL (production), because the two databases differ where it hurts:
# locking, constraint timing, case-sensitivity, JSON and date handling.
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh -x tests/cases  # extra arguments go to pytest, both runs
#
# The PostgreSQL run gets a database of its own (odr_test_<random>), created
# here and dropped at the end, so runs never see each other's data and
# several checkouts can test at once. If PostgreSQL cannot be reached the run
# is skipped with a message, except under CI (CI=true), where that is an error:
# CI must not go green on half the suite.
#
# Environment: ODR_TEST_PG_SERVER (default postgresql://postgres@127.0.0.1:5432)
# is the server to create the test database on; REDIS_URL defaults to Redis
# database 15 so tests never touch a developer's data in database 0.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --with-browser

export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
PG_SERVER=${ODR_TEST_PG_SERVER:-postgresql://postgres@127.0.0.1:5432}
PY=.venv/bin/python
PYTEST=("$PY" -m pytest -q -p no:cacheprovider)
# Output goes through tee (to read the counts back), so pytest no longer sees
# a terminal: keep its colours when a person is watching.
[[ -t 1 ]] && PYTEST+=(--color=yes)

WORK=$(mktemp -d)
PG_DB=""

# Create or drop a database, or just check we can connect. psycopg (already in
# the virtualenv) rather than psql/createdb, which a machine may not have.
# Prints a one-line reason and exits non-zero on failure.
pg_admin() {  # pg_admin ping|create|drop [NAME]
    "$PY" -c '
import sys
import psycopg
from psycopg import sql

server, action = sys.argv[1], sys.argv[2]
name = sys.argv[3] if len(sys.argv) > 3 else None
try:
    # The maintenance database: CREATE/DROP DATABASE cannot run inside the
    # database concerned, nor inside a transaction (hence autocommit).
    with psycopg.connect(server + "/postgres", autocommit=True, connect_timeout=5) as conn:
        if action == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        elif action == "drop":
            # FORCE ends connections a crashed test or server left open.
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        else:
            conn.execute("SELECT 1")
except Exception as exc:
    reason = (str(exc).strip().splitlines() or [""])[0]
    print(f"{type(exc).__name__}: {reason}", file=sys.stderr)
    sys.exit(1)
' "$PG_SERVER" "$@"
}

# shellcheck disable=SC2317  # called from the trap below
cleanup() {
    if [[ -n $PG_DB ]]; then
        pg_admin drop "$PG_DB" || echo "warning: could not drop test database $PG_DB" >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
# Make Ctrl-C and a CI time-out go through the EXIT trap too, so the test
# database is dropped.
trap 'exit 130' INT
trap 'exit 143' TERM

SUMMARY=()
FAILED=0

# count_of WORD LINE: the number before WORD in pytest's summary line, or 0.
count_of() { grep -oE "[0-9]+ $1" <<<"$2" | grep -oE '^[0-9]+' || echo 0; }

# run_suite LABEL [VAR=value ...]: run pytest with those variables set (and
# the database variables otherwise unset), record a summary line.
run_suite() {
    local label=$1; shift
    local log=$WORK/$label.log start=$SECONDS rc=0
    echo
    echo "==> [$label] running the test suite"
    # tee ignores Ctrl-C so that pytest's own report of the interruption is
    # still shown; pytest then exits and the INT trap above takes over.
    env -u DATABASE_URL -u TEST_DATABASE_URL "$@" "${PYTEST[@]}" "${PYTEST_ARGS[@]}" 2>&1 \
        | (trap '' INT; exec tee "$log") || rc=$?

    # pytest's own last line, e.g. "3 failed, 120 passed, 2 skipped in 41.20s".
    local line passed failed errors skipped
    line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '[0-9]+ (passed|failed|errors?|skipped)|no tests ran' | tail -n 1 || true)
    passed=$(count_of passed "$line"); failed=$(count_of failed "$line")
    errors=$(count_of 'errors?' "$line"); skipped=$(count_of skipped "$line")

    local note=""
    if (( rc != 0 )); then
        FAILED=1
        case $rc in
            5) note=" (exit 5: no tests were collected)" ;;
            *) note=" (exit $rc)" ;;
        esac
    fi
    echo "==> [$label] finished in $((SECONDS - start)) s, exit code $rc"
    SUMMARY+=("$label: $passed passed, $((failed + errors)) failed, $skipped skipped$note")
}

print_summary() {
    echo
    echo "==> summary"
    printf '%s\n' "${SUMMARY[@]}"
}

PYTEST_ARGS=("$@")

# Check PostgreSQL before spending minutes on the SQLite run: under CI a
# missing server is a broken machine, and we say so at once.
PG_REASON=""
if ! PG_REASON=$(pg_admin ping 2>&1); then
    PG_REASON=${PG_REASON:-unknown error}
    if [[ ${CI:-} == true ]]; then
        echo "error: PostgreSQL at $PG_SERVER is unreachable ($PG_REASON)." >&2
        echo "error: CI runs the suite on PostgreSQL too; start the server (see docs/deployment.md)." >&2
        exit 1
    fi
else
    PG_REASON=""
fi

# --- Run 1: SQLite, the embedded default (no DATABASE_URL) ------------------
run_suite sqlite

# --- Run 2: PostgreSQL, on a fresh database --------------------------------
if [[ -n $PG_REASON ]]; then
    SUMMARY+=("postgresql: skipped")
    echo
    echo "skipping the PostgreSQL run: $PG_REASON"
else
    PG_DB="odr_test_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    if pg_admin create "$PG_DB"; then
        url="postgresql+psycopg://${PG_SERVER#postgresql://}/$PG_DB"
        echo
        echo "==> created test database $PG_DB"
        run_suite postgresql DATABASE_URL="$url" TEST_DATABASE_URL="$url"
    else
        PG_DB=""
        FAILED=1
        SUMMARY+=("postgresql: not run (could not create the test database)")
    fi
fi

print_summary
exit "$FAILED"
