#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds everything (tests and the helsebro executable the
# command-line tests run), then runs every test, and every test that uses a journal a second time on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh
# An independent FHIR validator for the API tests: fhir.resources 6.1.0 is FHIR R4 4.0.1 (it needs pydantic 1).
if ! .build-py/bin/python -c "import fhir.resources" 2>/dev/null; then
    python3 -m venv .build-py
    .build-py/bin/pip install --quiet --disable-pip-version-check 'fhir.resources==6.1.0' 'pydantic<2'
fi
Tools/soundness.sh
swift build --build-tests
swift test --skip-build
# Every test that uses a journal (the service, API, fault, scale-out and command tests) again on PostgreSQL: a server
# the tests start themselves (initdb in a temporary folder). The core and configuration tests use no journal.
HELSEBRO_TEST_JOURNAL=postgres swift test --skip-build --filter 'HelsebroIntegrationTests|HelsebroCLITests'

