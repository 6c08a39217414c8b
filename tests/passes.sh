#!/usr/bin/env bash
# The test passes of `make test` after ruff: the browser tests, and alongside them the suite on SQLite, then the
# data-layer, importer, report and page tests again on PostgreSQL (TEST_DB=pg).
#
# The browser tests run one at a time (they time pages and the 大屏's rotation; two at once made them flaky) and
# spend most of their time waiting on the page, so they share the machine with the other two passes instead of
# running after them. Their output is kept in tests/artifacts/browser-pass.log and printed when all passes end.
# Exit status: 0 only when every pass passed. Variables (from the Makefile): PY, XDIST, PG_TESTS.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
XDIST=${XDIST:--n 2 --dist loadfile}
PG_TESTS=${PG_TESTS:-tests/db tests/services tests/seed tests/pages tests/reports tests/components tests/test_app.py}
mkdir -p tests/artifacts
browser_log=tests/artifacts/browser-pass.log

"$PY" -m pytest -q -rs --durations=15 tests/browser >"$browser_log" 2>&1 &
browser=$!
trap 'kill "$browser" 2>/dev/null; exit 130' INT TERM

status=0
echo "--- the suite on SQLite (the browser tests run alongside: $browser_log) ---"
# shellcheck disable=SC2086  # XDIST holds several words
"$PY" -m pytest -q -rs $XDIST --durations=25 --ignore=tests/browser || status=1

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || [ "${CI:-}" = true ]; then
    echo "--- the same tests on PostgreSQL (TEST_DB=pg) ---"
    # shellcheck disable=SC2086
    TEST_DB=pg "$PY" -m pytest -q -rs $XDIST --durations=25 $PG_TESTS || status=1
else
    echo "test: no PostgreSQL at 127.0.0.1:5432, so the TEST_DB=pg pass is left out"
fi

wait "$browser" || status=1
echo "--- the browser tests (run alongside the passes above) ---"
cat "$browser_log"
exit "$status"
