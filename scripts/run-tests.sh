#!/usr/bin/env bash
# Runs the test suites in two phases against the DATABASE_URL that with-test-db.sh provides:
# first every in-process suite, in parallel; then WharfEndToEndTests (real worker processes,
# the short chaos run with its own PostgreSQL, chromium), also in parallel among themselves.
#
# Why two phases: on a 2-core machine the end-to-end suites start a dozen processes and a
# second PostgreSQL, which put 30-60 runnable processes on the CPU. Under that load the
# in-process worker tests' lease renewals (every 200 ms, then against a 3 s lease) waited their
# turn past the lease, so jobs ran twice and the tests saw it. Each phase still runs its tests in
# parallel; both phases always run, and the script fails if either did.
# Usage: run-tests.sh SWIFT [swift test flags...]
set -uo pipefail
swift=$1
shift
status=0
echo "run-tests: phase 1 of 2: in-process suites" >&2
"$swift" test "$@" --skip WharfEndToEndTests || status=1
echo "run-tests: phase 2 of 2: WharfEndToEndTests (real processes)" >&2
"$swift" test "$@" --skip-build --filter WharfEndToEndTests || status=1
exit $status
