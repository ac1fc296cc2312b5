#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it:
#   lint, migrations up to date, translation catalogs complete and compiled,
#   pytest on SQLite, pytest on PostgreSQL (scripts/with_postgres.sh), browser tests (scripts/e2e.sh).
# Every stage runs even after one fails, so a single run reports everything; the script exits non-zero
# when any stage failed. The last line sums the three pytest runs: "N passed, N failed[, N skipped]".
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
export DJANGO_SETTINGS_MODULE=config.settings

REPORTS="$(mktemp -d "${TMPDIR:-/tmp}/carebridge-tests.XXXXXX")"
trap 'rm -rf "$REPORTS"' EXIT

STAGES=()    # "name|status|seconds"
FAILED=0
STAGE_COUNT=8
stage_number=0

# stage NAME CMD...: run one stage under a header, record its status and duration.
stage() {
    local name="$1" started status
    shift
    stage_number=$((stage_number + 1))
    echo
    echo "==> [$stage_number/$STAGE_COUNT] $name"
    echo "    \$ $*"
    started=$SECONDS
    set +e
    "$@" </dev/null
    status=$?
    set -e
    STAGES+=("$name|$status|$((SECONDS - started))")
    if [ "$status" -ne 0 ]; then
        FAILED=1
        echo "<== $name FAILED (exit $status) after $((SECONDS - started)) s"
    else
        echo "<== $name ok after $((SECONDS - started)) s"
    fi
}

# pytest_stage NAME REPORT CMD...: a pytest run; exit code 5 (no tests collected) counts as a failure.
pytest_stage() {
    local name="$1" report="$2"
    shift 2
    stage "$name" "$@" --junitxml="$report"
    local status
    IFS='|' read -r _ status _ <<<"${STAGES[-1]}"
    if [ "$status" -eq 5 ]; then
        echo "<== $name collected no tests: that is a failure"
    fi
}

# counts REPORT: "passed failed skipped" from a junit XML report; empty when there is none.
counts() {
    [ -s "$1" ] || return 0
    python3 - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = failed = skipped = 0
for s in suites:
    total += int(s.get("tests", 0))
    failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0))
print(total - failed - skipped, failed, skipped)
PY
}

stage "system packages" bash scripts/system_deps.sh
stage "ruff check" "$VENV/bin/ruff" check .
stage "migrations up to date" "$PY" manage.py makemigrations --check --dry-run
stage "translation catalogs complete" "$PY" scripts/messages.py check
stage "translation catalogs compiled" "$PY" scripts/messages.py compile
# The SQLite run ignores any DATABASE_URL in the caller's environment; testpaths (pyproject) leave out tests/e2e.
pytest_stage "pytest on SQLite" "$REPORTS/sqlite.xml" env -u DATABASE_URL "$VENV/bin/pytest" -q
pytest_stage "pytest on PostgreSQL" "$REPORTS/postgresql.xml" bash scripts/with_postgres.sh "$VENV/bin/pytest" -q
pytest_stage "browser tests" "$REPORTS/browser.xml" bash scripts/e2e.sh -q

echo
echo "==> Summary"
for entry in "${STAGES[@]}"; do
    IFS='|' read -r name status seconds <<<"$entry"
    if [ "$status" -eq 0 ]; then result="ok"; else result="FAILED (exit $status)"; fi
    printf '    %-32s %-20s %4ss\n' "$name" "$result" "$seconds"
done
echo

sum_passed=0
sum_failed=0
sum_skipped=0
for run in sqlite:sqlite.xml postgresql:postgresql.xml browser:browser.xml; do
    label="${run%%:*}"
    report="$REPORTS/${run#*:}"
    read -r passed failed skipped <<<"$(counts "$report")" || true
    if [ -z "${passed:-}" ]; then
        echo "$label: no test report (the run did not get as far as running tests)"
        # A run that produced no report is a failure, but has no test counts to add.
        continue
    fi
    line="$label: $passed passed, $failed failed"
    [ "$skipped" -eq 0 ] || line+=", $skipped skipped"
    echo "$line"
    sum_passed=$((sum_passed + passed))
    sum_failed=$((sum_failed + failed))
    sum_skipped=$((sum_skipped + skipped))
    passed="" failed="" skipped=""
done
total="$sum_passed passed, $sum_failed failed"
[ "$sum_skipped" -eq 0 ] || total+=", $sum_skipped skipped"
echo "$total"
[ "$FAILED" -eq 0 ] || exit 1
