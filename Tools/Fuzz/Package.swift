// swift-tools-version:6.1
// libFuzzer targets for Helsebro's decoders and loaders, one executable per `Fuzzing.Target` (HelsebroFuzzing holds
// their bodies). Built and run by `Tools/fuzz.sh` with `-sanitize=fuzzer,address`; each executable's entry hands its
// arguments to libFuzzer's `LLVMFuzzerRunDriver`. Its own package so that the sanitizers never touch the service's
// build.
import PackageDescription

let targets = ["gatt", "senml-json", "senml-cbor", "hl7", "frames", "profile", "firmware"]

let package = Package(
    name: "HelsebroFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Helsebro", path: "../..")],
    targets: [
        .target(name: "CFuzzer"),
        .target(name: "FuzzTarget", dependencies: ["CFuzzer", .product(name: "HelsebroFuzzing", package: "Helsebro")]),
    ] + targets.map { .executableTarget(name: "fuzz-\($0)", dependencies: ["FuzzTarget"]) }
)
