#!/usr/bin/env bash
# One command: install everything, build the demo database (SQLite) and serve it on http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/huitian demo "$@"
