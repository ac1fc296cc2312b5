#!/usr/bin/env bash
# Install the npm packages the tests use (tests/e2e/package.json, pinned by its lock file) into
# tests/e2e/node_modules with `npm ci`, when they are missing: axe-core (browser tests) and fhir-kit-client
# (FHIR conformance tests, run in the SQLite and PostgreSQL pytest stages). Debian's nodejs and npm are
# installed first when npm is missing. A no-op once everything is there.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
E2E="$ROOT/tests/e2e"
say() { echo "node_test_tools: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

installed() {
    [ -f "$E2E/node_modules/axe-core/axe.min.js" ] && [ -f "$E2E/node_modules/fhir-kit-client/package.json" ]
}

installed && exit 0

if ! command -v npm >/dev/null 2>&1; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || die "npm missing: apt-get install nodejs npm"
        sudo=(sudo -n)
    fi
    say "installing Debian's nodejs and npm with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q </dev/null >&2 || die "apt-get update failed"
    "${sudo[@]}" apt-get install -y -q --no-install-recommends nodejs npm </dev/null >&2 || die "apt-get install failed"
fi
say "installing the test tools with npm ci"
(cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error </dev/null) >&2 || die "npm ci failed in $E2E"
installed || die "the test tools are still missing from $E2E/node_modules"
