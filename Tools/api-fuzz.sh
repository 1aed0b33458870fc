#!/usr/bin/env bash
# Fuzzes the non-FHIR API against its OpenAPI document with schemathesis (PyPI, into .build-fuzz): a fresh broker and
# journal with simulated patients, `helsebro serve` with the HTTP API, a consent from a patient to a clinician, then
# schemathesis as patient, clinician and technician: no server errors, statuses and bodies as the document says.
# Usage: Tools/api-fuzz.sh [EXAMPLES]     (default 50 per operation)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-50}
Tools/setup.sh
if ! .build-fuzz/bin/schemathesis --version > /dev/null 2>&1; then
    python3 -m venv .build-fuzz
    .build-fuzz/bin/pip install --quiet --disable-pip-version-check schemathesis
fi
swift build --product helsebro 2>&1 | tail -n 1
swift build --product helsebro-sim 2>&1 | tail -n 1
bin=$(swift build --show-bin-path)
source Tools/lib.sh
start_broker "$work/broker"
http=$(free_port)
journal="sqlite:$work/journal.sqlite"
"$bin/helsebro-sim" --register "$journal" --register-only --patients 2 --quiet
"$bin/helsebro" serve --broker "mqtt://127.0.0.1:$port" --journal "$journal" --http "127.0.0.1:$http" --no-summaries \
    > "$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http/fhir/metadata" > /dev/null && break; sleep 0.1; done
token() { "$bin/helsebro" token issue --journal "$journal" --role "$1" --subject "$2"; }
patient=$(token patient sim-patient-1)
curl -sf -X POST -H "Authorization: Bearer $patient" -d '{"grantee": "dr-fuzz"}' \
    "http://127.0.0.1:$http/api/patients/sim-patient-1/consents" > /dev/null
status=0
for who in "patient sim-patient-1" "clinician dr-fuzz" "technician tech-fuzz"; do
    echo "== schemathesis as $who"
    .build-fuzz/bin/schemathesis run "http://127.0.0.1:$http/openapi.yaml" --url "http://127.0.0.1:$http" \
        -H "Authorization: Bearer $(token $who)" --max-examples "$examples" --exclude-path /api/alerts/stream \
        --checks not_a_server_error,status_code_conformance,response_schema_conformance || status=1
done
"$bin/helsebro" audit verify --journal "$journal"
exit $status
