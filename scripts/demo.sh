#!/usr/bin/env bash
# Run odr on this machine with demo data, the embedded way: SQLite in
# instance/, Socket.IO in-process, background jobs inline. No PostgreSQL,
# Redis or Celery needed.
#
#   bash scripts/demo.sh            # http://127.0.0.1:5000/
#   PORT=8080 bash scripts/demo.sh  # another port
#
# Stop it with Ctrl-C. Run it again at any time: set-up, migrations and the
# demo seed all do nothing when there is nothing to do, and your data stays.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

export FLASK_APP=wsgi
# Loopback only: the demo has well-known passwords and must not be reachable
# from the network. HOST/PORT are read by wsgi.py.
export HOST=127.0.0.1
export PORT=${PORT:-5000}

# The SQLite file lives in instance/; make sure the folder exists even if the
# app factory does not create it.
mkdir -p instance

echo "==> applying database migrations"
.venv/bin/flask --app wsgi db upgrade

# Idempotent: creates the demo regions, people and cases only on an empty
# database, and prints the demo logins either way.
echo "==> loading demo data"
.venv/bin/flask --app wsgi odr seed-demo

echo
echo "==> odr is starting at http://$HOST:$PORT/  (Ctrl-C to stop)"
echo
# exec: the server replaces this shell, so Ctrl-C and signals from a process
# manager reach it directly and no idle bash is left around.
exec .venv/bin/python wsgi.py
