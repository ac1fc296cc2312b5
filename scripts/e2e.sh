#!/usr/bin/env bash
# Browser tests: Debian's Chromium through Playwright against Django's live server on SQLite.
#
#   scripts/e2e.sh [PYTEST ARGS...]
#
# Installs what the tests need when it is missing: Debian's chromium (apt-get; never `playwright install`,
# which downloads a browser) and axe-core from the npm registry into tests/e2e/node_modules (`npm ci`,
# pinned by tests/e2e/package-lock.json; Debian's nodejs and npm are installed first if npm is missing).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
E2E="tests/e2e"
VENV="${VENV:-.venv}"
say() { echo "e2e: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            die "$* missing and this user cannot install it (not root, no password-less sudo): apt-get install $*"
        fi
    fi
    command -v apt-get >/dev/null 2>&1 || die "$* missing and apt-get is not available"
    say "installing Debian's $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q </dev/null >&2 || die "apt-get update failed"
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "$@" </dev/null >&2 || die "apt-get install $* failed"
}

[ -x "$VENV/bin/pytest" ] || die "$VENV/bin/pytest is missing: run make install"

# The browser: Debian's package only.
[ -x /usr/bin/chromium ] || apt_install chromium
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is still missing after installing Debian's chromium"

# axe-core, pinned by the lock file.
if [ ! -f "$E2E/node_modules/axe-core/axe.min.js" ]; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    say "installing axe-core with npm ci"
    (cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error </dev/null) || die "npm ci failed in $E2E"
fi
[ -f "$E2E/node_modules/axe-core/axe.min.js" ] || die "axe-core is missing from $E2E/node_modules"

# Pages must be translated, as users see them.
"$VENV/bin/python" scripts/messages.py compile >/dev/null

# SQLite (in memory for the test database) whatever the caller's environment names.
unset DATABASE_URL
export CAREBRIDGE_ENV=test
export DJANGO_ALLOW_ASYNC_UNSAFE=true

exec "$VENV/bin/pytest" "$E2E" -m e2e --browser chromium \
    --output "${E2E_OUTPUT:-var/e2e-results}" --screenshot only-on-failure --tracing retain-on-failure "$@"
