#!/usr/bin/env bash
# Set up (if needed) with the test extras and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
# Two workers, a test file each at a time: a file's sound server and the whole
# time-outs it shares stay in one worker, and the real-time tests (which mostly wait)
# run beside the ones that compute: 7 minutes instead of 10 on 2 cores.
exec .venv/bin/python -m pytest -q -n 2 --dist loadfile "$@"
