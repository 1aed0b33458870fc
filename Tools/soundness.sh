#!/usr/bin/env bash
# Soundness checks (STYLE.md): format lint, and a build of our own targets with warnings as errors.
# HelsebroCore's "no Foundation, no C module" rule is a test (Tests/HelsebroCoreTests/RobustnessTests.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "soundness: swift format lint"
swift format lint --strict --recursive Sources Tests Tools/Simulator Tools/Fuzz/Sources Benchmarks/Benchmarks Package.swift \
    Benchmarks/Package.swift Tools/Fuzz/Package.swift
if [[ "${1:-}" == "--warnings" ]]; then
    echo "soundness: build with warnings as errors"
    swift build --scratch-path .build-soundness -Xswiftc -warnings-as-errors --build-tests
fi
