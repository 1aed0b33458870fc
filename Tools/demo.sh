#!/usr/bin/env bash
# The whole service on one machine: a local mosquitto (configured not to lose messages), `helsebro serve` on a
# SQLite journal, simulated patients with home and bedside devices registered and paired, and every reading and
# quarantined message printed as it arrives. Ctrl-C stops everything this script started.
#   DEMO_SECONDS=N  stop by itself after N seconds      DEMO_RATE=R  messages per second (default 8)
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh
echo "== building helsebro and helsebro-sim"
swift build --product helsebro 2>&1 | tail -n 1
swift build --product helsebro-sim 2>&1 | tail -n 1
bin=$(swift build --show-bin-path)
demo=.demo
rm -rf "$demo"
mkdir -p "$demo"
pids=()
cleanup() {
    trap - EXIT INT TERM
    echo
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -f "$demo/helsebro.sqlite" ]]; then
        echo "== helsebro stats"
        "$bin/helsebro" stats --journal "sqlite:$demo/helsebro.sqlite" || true
        echo "== alerts still active (acknowledge with 'helsebro alerts ack ID --by WHO')"
        "$bin/helsebro" alerts list --state active --limit 20 --journal "sqlite:$demo/helsebro.sqlite" || true
        echo "(journal kept in $demo/helsebro.sqlite: try '$bin/helsebro journal show --patient sim-patient-1 --journal sqlite:$demo/helsebro.sqlite --format fhir')"
    fi
}
trap cleanup EXIT INT TERM

echo "== profiles"
"$bin/helsebro" profile lint

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|@PORT@|$port|" -e "s|@DIR@|$PWD/$demo|" -e "s|@USER@|$(id -un)|" Tools/mosquitto.conf.template > "$demo/mosquitto.conf"
mosquitto -c "$demo/mosquitto.conf" &
pids+=($!)
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.1
done
echo "== mosquitto on 127.0.0.1:$port (persistence every second, unlimited queues; $demo/mosquitto.conf)"

journal="sqlite:$demo/helsebro.sqlite"
http_port=${DEMO_HTTP_PORT:-8080}
python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', $http_port))" 2>/dev/null \
    || http_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/helsebro" serve --broker "mqtt://127.0.0.1:$port" --journal "$journal" --http "127.0.0.1:$http_port" > "$demo/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q "subscribed" "$demo/serve.log" 2>/dev/null && break; sleep 0.1; done
echo "== helsebro serve is subscribed (log: $demo/serve.log); FHIR and the API on http://127.0.0.1:$http_port, e.g."
echo "   T=\$($bin/helsebro token issue --role patient --subject sim-patient-1 --journal $journal)"
echo "   curl -H \"Authorization: Bearer \$T\" 'http://127.0.0.1:$http_port/fhir/Observation?patient=sim-patient-1&_count=5'"

"$bin/helsebro-sim" --register "$journal" --register-only --patients 4
# A nurse's observations make each patient's NEWS2 complete (consciousness and oxygen come from a clinician);
# patient 4 is on oxygen with SpO2 scale 2 (hypercapnic respiratory failure).
for p in 1 2 3; do
    "$bin/helsebro" observe --journal "$journal" --patient "sim-patient-$p" --consciousness A --oxygen air --by demo-nurse > /dev/null
done
"$bin/helsebro" observe --journal "$journal" --patient sim-patient-4 --consciousness A --oxygen oxygen --spo2-scale 2 --by demo-nurse > /dev/null
"$bin/helsebro-sim" --broker "mqtt://127.0.0.1:$port" --patients 4 --rate "${DEMO_RATE:-8}" --quiet &
pids+=($!)
echo "== simulating 4 patients, each with 9 home devices and an HL7 bedside monitor; readings, alerts (threshold, NEWS2, device status, missing data) and quarantined messages as they arrive (Ctrl-C stops):"
follow=("$bin/helsebro" journal follow --journal "$journal")
[[ -n "${DEMO_SECONDS:-}" ]] && follow+=(--seconds "$DEMO_SECONDS")
"${follow[@]}"
