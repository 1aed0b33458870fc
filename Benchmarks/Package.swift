// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package, as swift-nio's do, so the main build never resolves package-benchmark.
// Run: cd Benchmarks && swift package benchmark   (or Tools/bench.sh from the repository root)
let package = Package(
    name: "HelsebroBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Helsebro", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "DecodeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HelsebroCore", package: "Helsebro"),
                .product(name: "HelsebroConfig", package: "Helsebro"),
            ],
            path: "Benchmarks/DecodeBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
