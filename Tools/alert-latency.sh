#!/usr/bin/env bash
# Publish-to-alert latency at a steady load: a fresh broker and journal, `helsebro serve` (release build), and
# `helsebro-sim --latency-probe`: normal blood-pressure readings at RATE messages/s plus a probe cuff every 100 ms whose
# readings go abnormal and back, each cycle raising and resolving an alert. Prints the percentiles of the time from
# the probe's publish to the alert message received on helsebro/v1/alerts/probe-patient, and from publish to commit
# (the probe's reading found in the journal by a reader polling every millisecond). DEVICES devices of simulated
# patients (11 kinds each, as in Tools/sustained-bench.sh) are registered and paired too, and stay silent.
# Usage: Tools/alert-latency.sh [RATE] [SECONDS] [RUNS] [DEVICES]     (defaults 15000, 20, 3 and 11)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-15000}
seconds=${2:-20}
runs=${3:-3}
patients=$(((${4:-11} + 10) / 11))
source Tools/lib.sh
build_release
for ((r = 1; r <= runs; r++)); do
    dir="$work/run-$r"
    start_broker "$dir"
    broker=$broker_pid
    journal="sqlite:$dir/journal.sqlite"
    "$bin/helsebro-sim" --register "$journal" --register-only --flood --patients "$patients" --quiet
    "$bin/helsebro" serve --broker "mqtt://127.0.0.1:$port" --journal "$journal" --no-summaries > "$dir/serve.log" 2>&1 &
    serve=$!
    pids+=($serve)
    for _ in $(seq 200); do grep -q subscribed "$dir/serve.log" 2>/dev/null && break; sleep 0.05; done
    echo -n "run $r: "
    "$bin/helsebro-sim" --broker "mqtt://127.0.0.1:$port" --latency-probe "$seconds" --rate "$rate" --register "$journal" --flood --patients 1 --quiet
    kill -INT "$serve"; wait "$serve" || true
    kill "$broker"; wait "$broker" 2>/dev/null || true
done
