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
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        // Thin CLI and composition root, a library so commands can be tested in-process.
        .target(
            name: "WharfCLI",
            dependencies: [
                "WharfCore",
                "WharfPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "wharf",
            dependencies: ["WharfCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
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
        .testTarget(name: "WharfCoreTests", dependencies: ["WharfCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WharfPostgresTests",
            dependencies: [
                "WharfCore", "WharfPostgres", "WharfTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfCLITests",
            dependencies: ["WharfCLI", "WharfCore", "WharfPostgres", "WharfTesting"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
