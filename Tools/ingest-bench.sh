#!/usr/bin/env bash
# Ingest benchmark: N blood-pressure messages (QoS 1, one `seq` each) published at full speed to a local mosquitto,
# consumed (a) by a bare libmosquitto subscriber that does no work and (b) by `helsebro serve` writing the durable
# SQLite journal (WAL, synchronous=FULL, ack after commit). Each run uses a fresh broker and journal; the rate is
# N / (time from the publisher's start until the consumer has all N). Prints every run and the medians.
# MIX: `bp` (default) is one blood-pressure cuff; `mix` is the simulator's realistic mix from 50 patients (home GATT
# and SenML, hospital HL7, vendor frames, 1% malformed on purpose), generated as fast as it can.
# Usage: Tools/ingest-bench.sh [N] [RUNS] [bp|mix]     (defaults 50000, 3 and bp)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50000}
runs=${2:-3}
mix=${3:-bp}
if [[ "$mix" == "mix" ]]; then
    publish=(--patients 50 --rate 10000000 --faults 0.01 --pregenerate --quiet)
    register=(--patients 50)
else
    publish=(--flood --quiet)
    register=(--flood --patients 1)
fi
source Tools/lib.sh
build_release
now() { python3 -c 'import time; print("%.6f" % time.time())'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

bare=()
helsebro=()
for ((r = 1; r <= runs; r++)); do
    dir="$work/bare-$r"
    start_broker "$dir"
    "$bin/helsebro-sim" --broker "mqtt://127.0.0.1:$port" --bare-subscriber --count "$n" > "$dir/sub.out" &
    sub=$!
    for _ in $(seq 200); do grep -q subscribed "$dir/sub.out" 2>/dev/null && break; sleep 0.05; done
    t0=$(now)
    "$bin/helsebro-sim" --broker "mqtt://127.0.0.1:$port" "${publish[@]}" --count "$n" > "$dir/pub.out"
    t0=$(awk '/^publishing from/ {print $3}' "$dir/pub.out" | grep . || echo "$t0")
    wait "$sub"
    t1=$(awk '/^received/ {print $4}' "$dir/sub.out")
    rate=$(python3 -c "print('%.0f' % ($n / ($t1 - $t0)))")
    bare+=("$rate")
    echo "run $r: bare libmosquitto subscriber: $rate messages/s"
    kill "$broker_pid" 2>/dev/null || true

    dir="$work/helsebro-$r"
    start_broker "$dir"
    journal="sqlite:$dir/journal.sqlite"
    "$bin/helsebro-sim" --register "$journal" --register-only "${register[@]}" --quiet
    "$bin/helsebro" serve --broker "mqtt://127.0.0.1:$port" --journal "$journal" > "$dir/serve.log" 2>&1 &
    serve=$!
    pids+=($serve)
    for _ in $(seq 200); do grep -q subscribed "$dir/serve.log" 2>/dev/null && break; sleep 0.05; done
    before=0
    t0=$(now)
    "$bin/helsebro-sim" --broker "mqtt://127.0.0.1:$port" "${publish[@]}" --count "$n" > "$dir/pub.out"
    target=$((before + n))
    # Polled only once the publisher is done, and gently: each poll starts `helsebro stats` and python3, about
    # 0.15 s of CPU on this machine, which polling every 0.5 s during the run took from the service and the broker
    # (the bare subscriber's run has no poller). The end time does not depend on the polls: it is the receive time
    # of the last message as the journal recorded it, as the bare subscriber records its last message.
    while :; do
        got=$("$bin/helsebro" stats --journal "$journal" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["messages"] + d["duplicates"])')
        [[ "$got" -ge "$target" ]] && break
        sleep 0.5
    done
    t1=$(python3 -c "import sqlite3; print('%.6f' % (sqlite3.connect('$dir/journal.sqlite').execute('SELECT MAX(received_us) FROM message').fetchone()[0] / 1e6))")
    readings=$("$bin/helsebro" stats --journal "$journal" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["readings"])')
    t0=$(awk '/^publishing from/ {print $3}' "$dir/pub.out" | grep . || echo "$t0")
    rate=$(python3 -c "print('%.0f' % ($n / ($t1 - $t0)))")
    helsebro+=("$rate")
    peak=$(awk '/^VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$serve/status" 2>/dev/null || echo "?")
    rps=$(python3 -c "print('%.0f' % ($readings / ($t1 - $t0)))")
    echo "run $r: helsebro serve → SQLite journal: $rate messages/s, $rps readings/s ($readings readings; peak resident memory $peak)"
    kill "$serve" "$broker_pid" 2>/dev/null || true
done
b=$(printf '%s\n' "${bare[@]}" | median)
h=$(printf '%s\n' "${helsebro[@]}" | median)
echo "median over $runs runs of $n messages ($mix): bare subscriber $b msg/s, helsebro $h msg/s ($(python3 -c "print('%.0f' % (100 * $h / $b))")% of bare; last run $readings readings)"
