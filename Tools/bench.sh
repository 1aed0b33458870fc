#!/usr/bin/env bash
# Decode throughput, measured three ways on a release build:
#  1. `helsebro bench decode` over a frames file (Tools/make-frames.py), RUNS times, median reported;
#  2. a straight-line C decoder of the same frames (Tools/c-baseline/bp_decode.c, cc -O2), and the time ratio;
#  3. the package-benchmark suite in Benchmarks/ (frames/s and allocations per frame).
# Usage: Tools/bench.sh [RUNS]   (default 5). Set SKIP_PACKAGE_BENCHMARK=1 to run only the first.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
Tools/setup.sh
swift build -c release --product helsebro 2>&1 | tail -n 1
mkdir -p .build
python3 Tools/make-frames.py --out .build/bp-frames.bin --count 4096
for mode in "decode only" "decode + validate"; do
    args=(bench decode --channel gatt/2a35 --frames .build/bp-frames.bin --repeat 500)
    [[ "$mode" == "decode + validate" ]] && args+=(--profile bp-cuff-ua200 --firmware bp-cuff-ua200-fw2)
    rates=()
    for ((i = 0; i < runs; i++)); do
        rates+=("$(.build/release/helsebro "${args[@]}" | awk '/^payloads\/s:/ {print $2}')")
    done
    median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
    echo "helsebro bench decode, $mode, 0x2A35, 4096 frames × 500, $runs runs: payloads/s ${rates[*]}; median $median"
    [[ "$mode" == "decode only" ]] && swift_decode=$median
done
# The straight-line C decoder of the same frames (Tools/c-baseline/bp_decode.c), same passes, same runs.
cc -O2 -o .build/bp_decode Tools/c-baseline/bp_decode.c
rates=()
for ((i = 0; i < runs; i++)); do
    rates+=("$(.build/bp_decode .build/bp-frames.bin 500 | awk '/^payloads\/s:/ {print $2}')")
done
c_median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
echo "C straight-line decoder, 0x2A35, same frames, $runs runs: payloads/s ${rates[*]}; median $c_median"
python3 -c "print('Swift decode time / C decode time: %.2f' % ($c_median / $swift_decode))"
if [[ -z "${SKIP_PACKAGE_BENCHMARK:-}" ]]; then
    cd Benchmarks
    swift package benchmark --target DecodeBenchmarks --no-progress
fi
