#!/usr/bin/env bash
# Runs the libFuzzer targets of Tools/Fuzz (every decoder and both YAML loaders) for a set time each.
#
# Usage: Tools/fuzz.sh [SECONDS] [TARGET...]   (default 600 s each; targets: gatt senml-json senml-cbor hl7 frames
#        profile firmware). JOBS=2 runs two targets at a time.
#
# Each target starts from its seed corpus in Tools/Fuzz/Corpus/TARGET (committed) and grows a working corpus in
# .build-fuzz/corpus/TARGET (kept between runs). A crash, a failed check or precondition, an AddressSanitizer report,
# a timeout (over 2 s for one input) or a memory blow-up (over 2 GB) stops the target and leaves the input in
# .build-fuzz/findings/TARGET/ (emptied at the start of each run). Afterwards the script prints executions and findings per target, and exits 1 if
# anything was found. Reproduce a finding with: .build-fuzz/release/fuzz-TARGET FILE
# Leak detection is off: LeakSanitizer cannot see pointers that Swift keeps in the spare bits of multi-payload enums,
# and reports the shipped plans, held by a static, as leaked.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
all=(gatt senml-json senml-cbor hl7 frames profile firmware)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
jobs=${JOBS:-1}

Tools/setup.sh
echo "fuzz: building the targets with -sanitize=fuzzer,address (release)"
# lld: gold fails on these objects with an internal error (dwarf_reader.cc); swiftc takes -use-ld from the toolset.
build=(swift build -c release --package-path Tools/Fuzz --scratch-path .build-fuzz --toolset Tools/Fuzz/toolset.json
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
"${build[@]}" 2>&1 | tail -n 1
bin=$("${build[@]}" --show-bin-path)
export HELSEBRO_ROOT=$PWD
# Swift's own crash reporter would read memory under AddressSanitizer and hide the first report behind a second.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=0

run_one() {
    local t=$1 corpus=.build-fuzz/corpus/$1 findings=.build-fuzz/findings/$1
    rm -rf "$findings"
    mkdir -p "$corpus" "$findings"
    # The seeds live in the repository; libFuzzer reads both folders and writes what it learns to the first.
    "$bin/fuzz-$t" "$corpus" "Tools/Fuzz/Corpus/$t" -max_total_time="$seconds" -timeout=2 -rss_limit_mb=2048 \
        -max_len=65536 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$findings/" > ".build-fuzz/$t.log" 2>&1 || true
}

mkdir -p .build-fuzz
running=0
for t in "${targets[@]}"; do
    [[ -x "$bin/fuzz-$t" ]] || { echo "fuzz: no target '$t' (have: ${all[*]})" >&2; exit 2; }
    echo "fuzz: $t for ${seconds}s (log .build-fuzz/$t.log)"
    run_one "$t" &
    running=$((running + 1))
    if ((running >= jobs)); then
        wait -n
        running=$((running - 1))
    fi
done
wait

found=0
printf '%-11s %12s %9s %8s %s\n' target executions exec/s corpus findings
for t in "${targets[@]}"; do
    log=.build-fuzz/$t.log
    execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -n 1)
    rate=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$log" | tail -n 1)
    size=$(find ".build-fuzz/corpus/$t" -type f | wc -l)
    n=$(find ".build-fuzz/findings/$t" -type f | wc -l)
    what=""
    if ((n)); then
        found=1
        what="$(find ".build-fuzz/findings/$t" -type f | head -n 3 | tr '\n' ' ')"
    fi
    printf '%-11s %12s %9s %8s %s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$size" "$n" "$what"
done
exit $found
