#!/usr/bin/env bash
# Create .venv and install Huitian with its test tools. Idempotent; used by demo.sh and test.sh.
#   --browser   also install what tests/browser needs: Debian's chromium and a Chinese font (with apt,
#               when running as root and they are missing) and the Python playwright package (its driver
#               only: never `playwright install`, no browser downloads). test.sh passes it.
set -euo pipefail
cd "$(dirname "$0")/.."
BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --browser) BROWSER=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.huitian-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
  touch "$stamp"
fi

# Front-end packages (htmx, ECharts, Leaflet, Swagger UI for /docs) from the npm registry, as pinned in package-lock.json,
# copied to where the app serves them (/static/vendor/…; the folder is git-ignored). The app runs
# without them: the pages are plain forms that work without JavaScript.
VENDOR=src/huitian/web/static/vendor
if command -v npm >/dev/null 2>&1; then
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error ||
      echo "WARNING: npm ci failed; pages are served without htmx, ECharts and Leaflet" >&2
  fi
  if [ -f node_modules/.package-lock.json ] &&
    { [ ! -f "$VENDOR/.stamp" ] || ! cmp -s package-lock.json "$VENDOR/.stamp"; }; then
    tmp=$(mktemp -d "${VENDOR%/vendor}/.vendor.XXXXXX")
    mkdir -p "$tmp/htmx" "$tmp/echarts" "$tmp/leaflet" "$tmp/swagger-ui"
    cp node_modules/htmx.org/dist/htmx.min.js "$tmp/htmx/"
    cp node_modules/echarts/dist/echarts.min.js "$tmp/echarts/"
    cp -R node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
      node_modules/leaflet/dist/images "$tmp/leaflet/"
    cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css "$tmp/swagger-ui/"
    cp package-lock.json "$tmp/.stamp"
    rm -rf "$VENDOR"
    mv "$tmp" "$VENDOR"
    chmod 755 "$VENDOR"
  fi
else
  echo "WARNING: npm not found; pages are served without htmx, ECharts and Leaflet" >&2
fi

if [ "$BROWSER" = 1 ]; then
  # Chromium, and a Chinese font so that the screenshots show the pages' text.
  apt_pkgs=()
  [ -x /usr/bin/chromium ] || apt_pkgs+=(chromium)
  fc-list :lang=zh 2>/dev/null | grep -q . || apt_pkgs+=(fonts-wqy-microhei)
  if [ "${#apt_pkgs[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
    else
      echo "WARNING: not root, cannot install ${apt_pkgs[*]}: browser tests may be skipped" >&2
    fi
  fi
  if ! .venv/bin/python -c "import playwright.sync_api" 2>/dev/null; then
    .venv/bin/python -m pip install --quiet 'playwright>=1.58,<2'
  fi
fi
