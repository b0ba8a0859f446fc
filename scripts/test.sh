#!/usr/bin/env bash
# One command: install everything and run the whole test suite, on SQLite and then on PostgreSQL.
#
# PostgreSQL: if HUITIAN_TEST_DATABASE_URL is set, that server is used. Otherwise a throwaway
# cluster is started from the Debian packages (installed with apt-get when running as root).
# Set HUITIAN_REQUIRE_PG=1 (CI does) to fail when PostgreSQL cannot be had; otherwise it is skipped
# with a warning.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
PYTEST=(.venv/bin/python -m pytest "$@")

echo "== ruff"
.venv/bin/ruff check src tests bench

echo "== tests on SQLite"
env -u HUITIAN_TEST_DATABASE_URL "${PYTEST[@]}"

echo "== tests on PostgreSQL"
if [ -z "${HUITIAN_TEST_DATABASE_URL:-}" ]; then
  if url=$(scripts/pg-start.sh); then
    export HUITIAN_TEST_DATABASE_URL="$url"
  elif [ "${HUITIAN_REQUIRE_PG:-0}" = 1 ]; then
    echo "PostgreSQL is required (HUITIAN_REQUIRE_PG=1) but could not be started" >&2
    exit 1
  else
    echo "WARNING: PostgreSQL not available; the PostgreSQL run was skipped" >&2
    exit 0
  fi
fi
"${PYTEST[@]}"
