// swift-tools-version:6.1
import PackageDescription

// Every target compiles in Swift 6 mode with these upcoming features (see ../shared/STYLE.md):
// ExistentialAny makes existential costs visible, MemberImportVisibility and
// InternalImportsByDefault keep PostgresNIO types from leaking through public APIs unnoticed.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "wharf",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "wharf", targets: ["wharf"]),
        .library(name: "WharfCore", targets: ["WharfCore"]),
        .library(name: "WharfPostgres", targets: ["WharfPostgres"]),
        .library(name: "WharfRuntime", targets: ["WharfRuntime"]),
        .library(name: "WharfHandlers", targets: ["WharfHandlers"]),
        // Embed a PostgreSQL-backed worker with Swift handlers in your own service.
        .library(name: "Wharf", targets: ["Wharf"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Property-based tests for every parser and validator (tests only).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Pure core: job model, state machine, retry policy, validation, ports. No I/O.
        .target(name: "WharfCore", swiftSettings: swiftSettings),
        // The only module that contains SQL or imports PostgresNIO.
        .target(
            name: "WharfPostgres",
            dependencies: [
                "WharfCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The worker runtime: producers, executor, leases, heartbeat, reaper, shutdown. Knows only
        // WharfCore ports, never SQL.
        .target(
            name: "WharfRuntime",
            dependencies: [
                "WharfCore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Handlers with heavy dependencies: exec (swift-subprocess), http webhooks (AHC + HMAC).
        .target(
            name: "WharfHandlers",
            dependencies: [
                "WharfCore", "WharfRuntime",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition for Swift services that embed a worker: PostgreSQL adapter + runtime.
        .target(
            name: "Wharf",
            dependencies: [
                "WharfCore", "WharfPostgres", "WharfRuntime", "WharfHTTP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP adapter: /metrics (swift-prometheus), health probes, the admin API and the
        // dashboard. Knows only WharfCore ports, never SQL.
        .target(
            name: "WharfHTTP",
            dependencies: [
                "WharfCore", "WharfRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Thin CLI and composition root, a library so commands can be tested in-process.
        .target(
            name: "WharfCLI",
            dependencies: [
                "WharfCore",
                "WharfPostgres",
                "WharfRuntime",
                "WharfHandlers",
                "WharfHTTP",
                "Wharf",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "wharf",
            dependencies: ["WharfCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // A worker with Swift handlers, spawned as a real process by the end-to-end tests (and an
        // example of embedding Wharf in a Swift service).
        .executableTarget(
            name: "WharfTestWorker",
            dependencies: [
                "Wharf", "WharfCore", "WharfRuntime", "WharfPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // `make chaos`: real worker processes under kill -9, SIGSTOP, SIGTERM, cut connections,
        // a PostgreSQL restart and a held xmin; then checks every invariant.
        .executableTarget(
            name: "WharfChaos",
            dependencies: [
                "WharfCore", "WharfPostgres", "WharfTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // `make bench`: the batch-enqueue measurement (scripts/bench.sh runs the rest).
        .executableTarget(
            name: "WharfBench",
            dependencies: [
                "WharfCore", "WharfPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // A reproducer for a PostgresNIO request that hangs after its backend is terminated
        // (docs/operations.md, "Known limits"). Depends on PostgresNIO alone.
        .executableTarget(
            name: "PostgresNIOHangRepro",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test-only support: throwaway schemas, row factories, polling helpers.
        .target(
            name: "WharfTesting",
            dependencies: [
                "WharfCore",
                "WharfPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfCoreTests",
            // WharfTesting for ExternalTool only: the croniter comparison runs a Python child.
            dependencies: ["WharfCore", "WharfTesting", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfPostgresTests",
            dependencies: [
                "WharfCore", "WharfPostgres", "WharfTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfRuntimeTests",
            dependencies: [
                "WharfCore", "WharfPostgres", "WharfRuntime", "WharfTesting", "Wharf",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfHandlersTests",
            dependencies: ["WharfCore", "WharfRuntime", "WharfHandlers", "WharfTesting", .product(name: "Logging", package: "swift-log")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfEndToEndTests",
            dependencies: ["WharfCore", "WharfPostgres", "WharfTesting", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfHTTPTests",
            dependencies: [
                "WharfCore", "WharfPostgres", "WharfRuntime", "WharfHTTP", "WharfTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfCLITests",
            dependencies: [
                "WharfCLI", "WharfCore", "WharfPostgres", "WharfRuntime", "WharfTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
