#!/usr/bin/env bash
# Sustained ingest with a large registered fleet (issue 7): DEVICES devices (11 kinds per simulated patient, or the
# --kinds given) registered and paired in the journal in one transaction, then the simulator's realistic mix from all
# of them at RATE messages/s for SECONDS, made as it goes (1% malformed on purpose), into `helsebro serve` with the
# durable SQLite journal (WAL, synchronous=FULL, acknowledged after commit). Every 10 s it prints the readings
# journalled in that interval per second and helsebro's resident memory (VmRSS); at the end the whole run's rates,
# resident memory after the first minute and at the end (at the end also its anonymous and file-mapped parts), and
# the peak (VmHWM). The last column is the size of the broker's snapshot file: mosquitto writes its whole store
# every second (autosave_interval 1), so a backlog there costs its size in disk writes each second, and a run whose
# store keeps growing will not catch up (README, Performance, twelfth session).
# Usage: Tools/sustained-bench.sh [DEVICES] [SECONDS] [RATE] [KINDS]   (defaults 100000, 600, 20000, all kinds)
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-100000}
seconds=${2:-600}
rate=${3:-20000}
kinds=${4:-}
kind_args=()
per_patient=11
if [[ -n "$kinds" ]]; then
    kind_args=(--kinds "$kinds")
    per_patient=$(awk -F, '{print NF}' <<< "$kinds")
fi
patients=$(((devices + 10) / 11))  # every patient is registered with all 11 kinds; --kinds narrows the traffic
source Tools/lib.sh
build_release

start_broker "$work/broker"
db="$work/journal.sqlite"
t=$(date +%s.%N)
"$bin/helsebro-sim" --register "sqlite:$db" --register-only --patients "$patients" --quiet
registered=$(python3 -c "import sqlite3; print(sqlite3.connect('$db').execute('SELECT COUNT(*) FROM device').fetchone()[0])")
echo "registered and paired $registered devices of $patients patients in $(python3 -c "print('%.1f' % ($(date +%s.%N) - $t))") s; traffic from ${kinds:-all kinds} ($per_patient per patient)"
"$bin/helsebro" serve --broker "mqtt://127.0.0.1:$port" --journal "sqlite:$db" --no-http > "$work/serve.log" 2>&1 &
serve=$!
pids+=($serve)
for _ in $(seq 600); do grep -q subscribed "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
count=$(python3 -c "print(int($rate * $seconds))")
"$bin/helsebro-sim" --broker "mqtt://127.0.0.1:$port" --patients "$patients" "${kind_args[@]}" --rate "$rate" \
    --count "$count" --faults 0.01 --quiet > "$work/pub.out" 2>&1 &
pub=$!
pids+=($pub)
# The journal's newest reading and quarantine ids (rowids: no scan) tell how far it is.
progress() {
    python3 -c "
import sqlite3
c = sqlite3.connect('file:$db?mode=ro', uri=True)
r = c.execute('SELECT COALESCE(MAX(id), 0) FROM reading').fetchone()[0]
q = c.execute('SELECT COALESCE(MAX(id), 0) FROM quarantine').fetchone()[0]
print(r, q)"
}
# A memory figure of the service's /proc status (VmRSS, VmHWM, RssAnon, RssFile) in MB.
memory() { awk -v field="$1:" '$1 == field {printf "%.1f", $2 / 1024}' "/proc/$serve/status"; }
rss() { memory VmRSS; }
store() { awk '{printf "%.1f", $1 / 1048576}' < <(stat -c %s "$work/broker/mosquitto.db" 2>/dev/null || echo 0); }
start=$(date +%s.%N)
last_r=0
last_t=$start
rss_minute=""
echo "   time  readings/s (last 10 s)  readings  quarantined  RSS MB  broker store MB"
while kill -0 "$pub" 2>/dev/null; do
    sleep 10
    read -r r q < <(progress)
    now=$(date +%s.%N)
    elapsed=$(python3 -c "print('%.0f' % ($now - $start))")
    per=$(python3 -c "print('%.0f' % (($r - $last_r) / ($now - $last_t)))")
    m=$(rss)
    [[ -z "$rss_minute" && "$elapsed" -ge 60 ]] && rss_minute=$m
    printf "%6ss  %22s  %8s  %11s  %6s  %15s\n" "$elapsed" "$per" "$r" "$q" "$m" "$(store)"
    last_r=$r
    last_t=$now
done
wait "$pub" || true
# Wait for the service to journal what the broker still holds: until nothing new for 10 s (one commit of a large
# --max-batch can take more than a second), at most 5 minutes.
still=0
for _ in $(seq 300); do
    read -r r q < <(progress)
    if [[ "$r" == "$last_r" ]]; then
        still=$((still + 1))
        ((still >= 10)) && break
    else
        still=0
    fi
    last_r=$r
    sleep 1
done
end=$(python3 -c "import sqlite3; print('%.6f' % (sqlite3.connect('$db').execute('SELECT MAX(received_us) FROM message').fetchone()[0] / 1e6))")
messages=$(python3 -c "import sqlite3; print(sqlite3.connect('$db').execute('SELECT COUNT(*) FROM message').fetchone()[0])")
m=$(rss)
peak=$(memory VmHWM)
span=$(python3 -c "print($end - $start)")
echo "published $count messages at $rate/s for $seconds s to $registered registered devices"
python3 -c "print('journalled %d messages (%.0f/s) and %d readings (%.0f/s) over %.0f s; %s quarantined' % ($messages, $messages / $span, $r, $r / $span, $span, $q))"
echo "resident memory: ${rss_minute:-?} MB after 1 minute, $m MB at the end ($(memory RssAnon) MB anonymous, $(memory RssFile) MB of mapped files), peak $peak MB"
