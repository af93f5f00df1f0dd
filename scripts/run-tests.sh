#!/usr/bin/env bash
# Runs every test file against the TypeScript sources, several files at once
# (scripts/runTestFiles.ts), and ends with one "tests: N passed, N failed,
# N skipped" line that CI reads. Arguments go to the runner: --jobs N,
# --timeout SECONDS, or a pattern naming the files to run.
set -uo pipefail
cd "$(dirname "$0")/.."
# Everything the tests make (homes, photos, etcd data) goes under one folder removed afterwards.
export TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/photoframe-tests.XXXXXX")
trap 'rm -rf "$TMPDIR"' EXIT
# In-process tests keep their log quiet; child processes (viewer, serve) set their own level.
export PHOTOFRAME_LOG=${PHOTOFRAME_LOG:-error}
node --import tsx scripts/runTestFiles.ts "$@"
