// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Helsebro",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "helsebro", targets: ["helsebro"]),
        .executable(name: "helsebro-sim", targets: ["helsebro-sim"]),
        .library(name: "HelsebroCore", targets: ["HelsebroCore"]),
        .library(name: "HelsebroConfig", targets: ["HelsebroConfig"]),
        .library(name: "HelsebroFuzzing", targets: ["HelsebroFuzzing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMalloc"),
        // An SQLite VFS that gathers the journal's write-ahead-log writes into fewer, larger ones (our own C).
        .target(name: "CWALBuffer", linkerSettings: [.linkedLibrary("sqlite3")]),
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // Pure values: numbers, payload decoders, profiles, decode plans, validation. No Foundation, no I/O.
        .target(name: "HelsebroCore"),
        // Reads DeviceProfiles/ and Firmware-Specs/ (YAML) into HelsebroCore values, with file/line/field errors.
        .target(
            name: "HelsebroConfig",
            dependencies: ["HelsebroCore", .product(name: "Yams", package: "Yams")]
        ),
        // The fuzz targets' bodies (Tools/Fuzz runs them under libFuzzer; the tests replay the corpus through them).
        .target(name: "HelsebroFuzzing", dependencies: ["HelsebroCore", "HelsebroConfig"]),
        // The only module that imports CMosquitto.
        .target(
            name: "HelsebroMQTT",
            dependencies: ["CMosquitto", "HelsebroCore", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "HelsebroJournal",
            dependencies: [
                "HelsebroCore", "CSQLite", "CWALBuffer", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The journal on PostgreSQL, for several instances sharing one journal (`--journal postgres://...`).
        .target(
            name: "HelsebroPostgres",
            dependencies: [
                "HelsebroJournal", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP side: FHIR R4, clinicians', patients' and technicians' endpoints, bearer tokens, consent checks.
        .target(
            name: "HelsebroAPI",
            dependencies: [
                "HelsebroCore", "HelsebroConfig", "HelsebroJournal",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("openapi.yaml")]
        ),
        // Topic routing, message identity, decode and validate with the device's plan, pairing to a patient.
        .target(
            name: "HelsebroIngest",
            dependencies: [
                "HelsebroCore", "HelsebroConfig", "HelsebroJournal", "HelsebroMQTT", "CMalloc",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "HelsebroCLI",
            dependencies: [
                "HelsebroCore", "HelsebroConfig", "HelsebroMQTT", "HelsebroJournal", "HelsebroPostgres",
                "HelsebroIngest",
                "HelsebroAPI", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "helsebro", dependencies: ["HelsebroCLI"]),
        .executableTarget(
            name: "helsebro-sim",
            dependencies: [
                "HelsebroCore", "HelsebroMQTT", "HelsebroJournal", "HelsebroPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/Simulator"
        ),
        // Shared by the integration and command-line tests: processes, ports, the test PostgreSQL, the journal.
        .target(
            name: "HelsebroTestSupport", dependencies: ["HelsebroJournal", "HelsebroPostgres"],
            path: "Tests/HelsebroTestSupport"),
        .testTarget(name: "HelsebroCoreTests", dependencies: ["HelsebroCore"]),
        .testTarget(name: "HelsebroConfigTests", dependencies: ["HelsebroConfig", "HelsebroCore", "HelsebroFuzzing"]),
        .testTarget(
            name: "HelsebroCLITests",
            dependencies: [
                "HelsebroCLI", "HelsebroMQTT", "HelsebroJournal", "HelsebroCore", "HelsebroIngest",
                "HelsebroTestSupport",
            ]),
        .testTarget(
            name: "HelsebroIntegrationTests",
            dependencies: [
                "HelsebroCore", "HelsebroConfig", "HelsebroMQTT", "HelsebroJournal", "HelsebroPostgres",
                "HelsebroIngest", "CSQLite", "CWALBuffer",
                "HelsebroAPI", "HelsebroTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
