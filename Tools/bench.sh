#!/usr/bin/env bash
# Decode throughput, measured three ways on a release build:
#  1. `helsebro bench decode` over a frames file (Tools/make-frames.py), decode only and decode + validate;
#  2. a straight-line C decoder of the same frames (Tools/c-baseline/bp_decode.c, cc -O2), alternating with 1, and
#     the Swift/C time ratio per run; medians of RUNS runs;
#  3. the package-benchmark suite in Benchmarks/ (frames/s and allocations per frame).
# Usage: Tools/bench.sh [RUNS]   (default 5). Set SKIP_PACKAGE_BENCHMARK=1 to run only the first.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
Tools/setup.sh
swift build -c release --product helsebro 2>&1 | tail -n 1
mkdir -p .build
python3 Tools/make-frames.py --out .build/bp-frames.bin --count 4096
cc -O2 -o .build/bp_decode Tools/c-baseline/bp_decode.c
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# Swift decode, the C decoder and Swift decode + validate alternate, run after run, so that each pair meets the same
# moment of this shared machine; the Swift/C ratio is taken per pair and its median reported.
decode=(.build/release/helsebro bench decode --channel gatt/2a35 --frames .build/bp-frames.bin --repeat 500)
swift_ns=() c_ns=() validate_ns=() ratios=()
for ((i = 0; i < runs; i++)); do
    s=$("${decode[@]}" | awk '/^ns\/payload:/ {print $2}')
    c=$(.build/bp_decode .build/bp-frames.bin 500 | awk '/^ns\/payload:/ {print $2}')
    v=$("${decode[@]}" --profile bp-cuff-ua200 --firmware bp-cuff-ua200-fw2 | awk '/^ns\/payload:/ {print $2}')
    swift_ns+=("$s") c_ns+=("$c") validate_ns+=("$v")
    ratios+=("$(python3 -c "print('%.2f' % ($s / $c))")")
done
echo "0x2A35, 4096 frames × 500 passes, $runs runs, ns/payload (median):"
echo "  helsebro bench decode, decode only:     ${swift_ns[*]} ($(printf '%s\n' "${swift_ns[@]}" | median))"
echo "  C straight-line decoder (cc -O2):        ${c_ns[*]} ($(printf '%s\n' "${c_ns[@]}" | median))"
echo "  helsebro bench decode, decode + validate: ${validate_ns[*]} ($(printf '%s\n' "${validate_ns[@]}" | median))"
echo "Swift decode time / C decode time, per run: ${ratios[*]}; median $(printf '%s\n' "${ratios[@]}" | median)"
if [[ -z "${SKIP_PACKAGE_BENCHMARK:-}" ]]; then
    cd Benchmarks
    swift package benchmark --target DecodeBenchmarks --no-progress
fi
