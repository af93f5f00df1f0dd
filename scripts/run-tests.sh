#!/usr/bin/env bash
# Runs every test file with uvu against the TypeScript sources, then prints the
# totals as one "N passed, N failed" line that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
# Everything the tests make (homes, photos, etcd data) goes under one folder removed afterwards.
export TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/photoframe-tests.XXXXXX")
trap 'rm -f "$log"; rm -rf "$TMPDIR"' EXIT
# In-process tests keep their log quiet; child processes (viewer, serve) set their own level.
export PHOTOFRAME_LOG=${PHOTOFRAME_LOG:-error}
node --import tsx node_modules/uvu/bin.js test '\.test\.ts$' "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
total=$(sed -n 's/^ *Total: *\([0-9]*\).*/\1/p' "$log" | tail -1)
passed=$(sed -n 's/^ *Passed: *\([0-9]*\).*/\1/p' "$log" | tail -1)
skipped=$(sed -n 's/^ *Skipped: *\([0-9]*\).*/\1/p' "$log" | tail -1)
total=${total:-0}; passed=${passed:-0}; skipped=${skipped:-0}
failed=$((total - passed - skipped))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$total" -eq 0 ]; then echo "no tests ran" >&2; exit 1; fi
exit "$status"
