#!/usr/bin/env bash
# The one test command (make test / .ci/run): set up the virtualenv, the services, then lint and
# run every test. PostgreSQL, MariaDB and browser tests run here, they do not skip.
set -euo pipefail
cd "$(dirname "$0")/.."
make setup
eval "$(bash scripts/ensure_services.sh)"
export DASHBOARD_TEST_PG_URL DASHBOARD_TEST_MYSQL_URL DASHBOARD_TEST_CHROMIUM DASHBOARD_TEST_SOFFICE
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -p no:cacheprovider -q "$@"
