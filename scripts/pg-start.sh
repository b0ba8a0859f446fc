#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the tests and print its URL. Installs the Debian packages
# when running as root and no server binaries are found.
set -euo pipefail
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
BIN=$(find_bin || true)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    BIN=$(find_bin)
  else
    echo "no PostgreSQL server binaries and cannot install them" >&2
    exit 1
  fi
fi
PORT=${HUITIAN_PG_PORT:-55432}
DIR=${HUITIAN_PG_DIR:-/tmp/huitian-pg}
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd -r -M postgres
  RUN_AS=(runuser -u postgres --)
fi
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR"
  "${RUN_AS[@]}" "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >&2
fi
if ! "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -w -l "$DIR/log" \
    -o "-p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >&2
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
