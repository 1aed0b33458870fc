#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds everything (tests and the helsebro executable the
# command-line tests run), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh
Tools/soundness.sh
swift build --build-tests
swift test --skip-build
