#!/usr/bin/env bash
# Decodes the sample payloads in Tools/samples/payloads.tsv with `helsebro decode`: what each device sent, and what
# Helsebro accepted or quarantined, and why. (Sets up and builds first; no broker needed.)
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh
echo "== building"
swift build --product helsebro 2>&1 | tail -n 1
helsebro=.build/debug/helsebro
"$helsebro" version
echo
echo "== helsebro profile lint"
"$helsebro" profile lint
echo
echo "== helsebro profile list"
"$helsebro" profile list
echo
echo "== decoding the sample payloads (receive time 2026-11-23T08:00:00Z)"
received="2026-11-23T08:00:00Z"
while IFS=$'\t' read -r description channel profile firmware payload; do
    [[ -z "$description" || "$description" == \#* ]] && continue
    args=(decode --channel "$channel" --received "$received" --session-start "2026-11-23T06:00:00Z")
    [[ "$profile" != "-" ]] && args+=(--profile "$profile")
    [[ "$firmware" != "-" ]] && args+=(--firmware "$firmware")
    echo
    echo "-- $description"
    echo "   $channel ${profile/#-/(no profile)} ${firmware/#-/}"
    status=0
    if [[ "$payload" == @* ]]; then
        output=$("$helsebro" "${args[@]}" - < "Tools/samples/${payload#@}") || status=$?
    else
        output=$("$helsebro" "${args[@]}" --hex "$payload") || status=$?
    fi
    printf '%s' "$output" | python3 Tools/show-readings.py
    if [[ $status -ne 0 && $status -ne 3 ]]; then echo "unexpected exit status $status"; exit 1; fi
done < Tools/samples/payloads.tsv
echo
echo "== decode throughput (debug build; Tools/bench.sh measures the release build)"
python3 Tools/make-frames.py --out .build/bp-frames.bin --count 4096 >/dev/null
"$helsebro" bench decode --channel gatt/2a35 --frames .build/bp-frames.bin --profile bp-cuff-ua200 --repeat 20
