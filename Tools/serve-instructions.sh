#!/usr/bin/env bash
# Instructions per message of `helsebro serve` (release build) under the realistic mix, counted by valgrind's
# callgrind: reproducible to about 1 % from run to run where times on this shared machine vary by 30 %. A fresh broker
# and journal (50 patients); serve runs under callgrind, its counters are zeroed once it has subscribed, N messages of
# the mix (1 % malformed, fixed seed) are published as fast as the publisher can (so batches fill as they do under
# load), and the counters are dumped once all N are journalled. Counts user-space instructions of every thread of
# serve (decode, alerts, SQLite, libmosquitto), not the kernel's (system calls, fsync).
# Usage: Tools/serve-instructions.sh [N] [RUNS]     (defaults 5000 and 3)
# The profiles are kept in .build/serve-instructions/ for `callgrind_annotate --inclusive=yes FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
runs=${2:-3}
source Tools/lib.sh
build_release
Tools/setup.sh valgrind
out=.build/serve-instructions
mkdir -p "$out"
# valgrind 3.19 gives up on the Swift binary's DWARF; without it (symbols kept) it reads the symbol table.
strip --strip-debug -o "$out/helsebro" "$bin/helsebro"
results=()
for ((r = 1; r <= runs; r++)); do
    dir="$work/run-$r"
    start_broker "$dir"
    journal="sqlite:$dir/journal.sqlite"
    "$bin/helsebro-sim" --register "$journal" --register-only --patients 50 --quiet
    rm -f "$out/callgrind-$r.out"*
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind-$r.out" "$out/helsebro" serve \
        --broker "mqtt://127.0.0.1:$port" --journal "$journal" > "$dir/serve.log" 2>&1 &
    serve=$!
    pids+=($serve)
    for _ in $(seq 600); do grep -q subscribed "$dir/serve.log" 2>/dev/null && break; sleep 0.1; done
    sleep 1
    callgrind_control -z "$serve" > /dev/null 2>&1
    "$bin/helsebro-sim" --broker "mqtt://127.0.0.1:$port" --patients 50 --rate 10000000 --faults 0.01 \
        --pregenerate --quiet --count "$n" --seed 7 > "$dir/pub.out"
    while :; do
        got=$("$bin/helsebro" stats --journal "$journal" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["messages"] + d["duplicates"])')
        [[ "$got" -ge "$n" ]] && break
        sleep 0.5
    done
    callgrind_control -d "$serve" > /dev/null 2>&1
    sleep 1
    kill -INT "$serve"
    wait "$serve" || true
    kill "$broker_pid" 2> /dev/null || true
    profile=$(ls -t "$out/callgrind-$r.out".* | head -n 1)
    total=$(callgrind_annotate "$profile" 2> /dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    per=$((total / n))
    results+=("$per")
    echo "run $r: $total instructions for $n messages: $per per message ($profile)"
done
median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
echo "median over $runs runs: $median instructions per message of the mix"
