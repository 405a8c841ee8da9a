// swift-tools-version:6.1
// Welkom: one module per stage of the flow in docs/architecture.md.
//   sources (WelkomRadio, WelkomCards) → WelkomRecogniser → WelkomPolicy → WelkomLedger → WelkomTillHub
// The stages share only WelkomCore's value types; WelkomAgent wires them, the `welkom` CLI sits on top.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Welkom",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "welkom", targets: ["welkom"]),
        .library(name: "WelkomCore", targets: ["WelkomCore"]),
        .library(name: "WelkomIdentifiers", targets: ["WelkomIdentifiers"]),
        .library(name: "WelkomRecogniser", targets: ["WelkomRecogniser"]),
        .library(name: "WelkomRadio", targets: ["WelkomRadio"]),
        .library(name: "WelkomZones", targets: ["WelkomZones"]),
        .library(name: "WelkomLedger", targets: ["WelkomLedger"]),
        // For Benchmarks/TillLatencyBenchmarks: the whole agent, end to end.
        .library(name: "WelkomAgent", targets: ["WelkomAgent"]),
        .library(name: "WelkomConsent", targets: ["WelkomConsent"]),
        // For Benchmarks/ChainBenchmarks: initial sync, withdrawal propagation, ledger shipping.
        .library(name: "WelkomChain", targets: ["WelkomChain"]),
        .library(name: "WelkomConfig", targets: ["WelkomConfig"]),
        .library(name: "WelkomRegistry", targets: ["WelkomRegistry"]),
        .library(name: "WelkomTillHub", targets: ["WelkomTillHub"]),
        // For Fuzz/: the card readers' report decoders (ReaderDecoding).
        .library(name: "WelkomCards", targets: ["WelkomCards"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Already in the build through SwiftNIO; the till hub's prompt board uses its heap and deque.
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        // C libraries at the hardware edge.
        .systemLibrary(name: "CBluetooth", path: "Sources/CBluetooth", pkgConfig: "bluez",
                       providers: [.apt(["libbluetooth-dev"])]),
        .systemLibrary(name: "CUSB", path: "Sources/CUSB", pkgConfig: "libusb-1.0",
                       providers: [.apt(["libusb-1.0-0-dev"])]),
        // The desk page's QR code for a new WLK1 key (issue 15): Debian's libqrencode, not a hand-written encoder.
        .systemLibrary(name: "CQRencode", path: "Sources/CQRencode", pkgConfig: "libqrencode",
                       providers: [.apt(["libqrencode-dev"])]),

        // AES-128 for the recogniser's bulk work: AES-NI / ARMv8 crypto extensions chosen at run time,
        // a portable fallback (issue 3; why not swift-crypto alone: see its header).
        .target(name: "CWelkomAES", path: "Sources/CWelkomAES"),

        // The shared vocabulary: value types only, no I/O, no dependencies.
        .target(name: "WelkomCore", swiftSettings: strict),
        // docs/identifiers.md in code: WLK1 tokens, card pseudonyms, barcode checks.
        .target(name: "WelkomIdentifiers", dependencies: [
            "WelkomCore", "CWelkomAES", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ], swiftSettings: strict),

        // Sources: hardware in, sightings out.
        // The one termios opener: the radio's UART, serial scanners and pole displays share it.
        .target(name: "WelkomSerial", swiftSettings: strict),
        .target(name: "WelkomRadio", dependencies: ["WelkomCore", "WelkomIdentifiers", "WelkomSerial", "CBluetooth",
                                             .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),
        .target(name: "WelkomCards", dependencies: ["WelkomCore", "WelkomIdentifiers", "WelkomSerial", "CUSB",
                                             .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),

        // The stages.
        .target(name: "WelkomRecogniser", dependencies: ["WelkomCore", "WelkomIdentifiers", "CWelkomAES"],
                swiftSettings: strict),
        .target(name: "WelkomPolicy", dependencies: ["WelkomCore"], swiftSettings: strict),
        // Till zones: which till a recognised customer stands at, from smoothed RSSI (issue 4).
        .target(name: "WelkomZones", dependencies: ["WelkomCore"], swiftSettings: strict),
        .target(name: "WelkomLedger", dependencies: [
            "WelkomCore", "WelkomStorage", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        // The privacy officer's tools over the ledger and the registry (`welkom audit …`, issue 7).
        .target(name: "WelkomAudit", dependencies: ["WelkomCore", "WelkomLedger", "WelkomRegistry", "WelkomConfig"],
                swiftSettings: strict),
        .target(name: "WelkomTillHub", dependencies: [
            "WelkomCore", "WelkomStorage", "CQRencode", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HeapModule", package: "swift-collections"),
            .product(name: "DequeModule", package: "swift-collections"),
        ], swiftSettings: strict),

        // Customer pole displays: ESC/POS and CD5220 line displays on a serial port.
        .target(name: "WelkomPoleDisplay", dependencies: ["WelkomCore", "WelkomSerial", .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),

        // Stores and settings the agent and the CLI share.
        .target(name: "WelkomRegistry", dependencies: [
            "WelkomCore", "WelkomIdentifiers", "WelkomStorage", .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: strict),
        // The SQLite ground both stores stand on: private files, busy waits, safe error reasons.
        .target(name: "WelkomStorage", dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: strict),
        .target(name: "WelkomConfig", dependencies: [
            "WelkomCore", .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: strict),

        // Every consent change (enrol, import, withdraw, erase) and its validation, in the order
        // that keeps invariant 3; the CLI, the demo and the agent all go through it.
        .target(name: "WelkomConsent", dependencies: [
            "WelkomCore", "WelkomIdentifiers", "WelkomRegistry", "WelkomLedger", "WelkomStorage",
        ], swiftSettings: strict),

        // Chain mode (issue 14): the central consent registry, consent sync and ledger shipping
        // on the chain's PostgreSQL.
        .target(name: "WelkomChain", dependencies: [
            "WelkomConsent", "WelkomCore", "WelkomIdentifiers", "WelkomRegistry", "WelkomLedger", "WelkomStorage",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        // The agent wires the stages; the CLI sits on top.
        .target(name: "WelkomAgent", dependencies: [
            "WelkomConsent", "WelkomStorage",
            "WelkomCore", "WelkomIdentifiers", "WelkomRadio", "WelkomCards", "WelkomRecogniser",
            "WelkomPolicy", "WelkomLedger", "WelkomTillHub", "WelkomRegistry", "WelkomConfig", "WelkomPoleDisplay", "WelkomZones",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),
        .executableTarget(name: "welkom", dependencies: [
            "WelkomAgent", "WelkomChain", "WelkomConsent", "WelkomStorage", "WelkomCore", "WelkomIdentifiers", "WelkomRegistry", "WelkomLedger", "WelkomAudit",
            "WelkomConfig", "WelkomRadio", "WelkomRecogniser", "WelkomTillHub", "WelkomCards", "WelkomZones",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        // The crash tests' ledger writer (Tests/e2e via WELKOM_LEDGER_WRITER): built by `swift build`
        // beside the tests, in no product, so the shipped binary has no way to append synthetic entries.
        .executableTarget(name: "welkom-ledger-writer", dependencies: ["WelkomLedger", "WelkomCore"],
                          path: "Tests/Tools/LedgerWriter", swiftSettings: strict),

        // Test support: seeded generators, so every randomised test can be replayed from its seed.
        .target(name: "WelkomTesting", swiftSettings: strict),

        .testTarget(name: "WelkomIdentifiersTests", dependencies: ["WelkomIdentifiers", "WelkomTesting"], swiftSettings: strict),
        .testTarget(name: "WelkomRadioTests", dependencies: ["WelkomRadio", "WelkomIdentifiers", "WelkomTesting"], swiftSettings: strict),
        .testTarget(name: "WelkomCardsTests", dependencies: ["WelkomCards", "WelkomIdentifiers"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "WelkomRecogniserTests", dependencies: ["WelkomRecogniser", "WelkomIdentifiers", "WelkomTesting"], swiftSettings: strict),
        .testTarget(name: "WelkomPolicyTests", dependencies: ["WelkomPolicy"], swiftSettings: strict),
        .testTarget(name: "WelkomZonesTests", dependencies: ["WelkomZones", "WelkomTesting"], swiftSettings: strict),
        .testTarget(name: "WelkomLedgerTests", dependencies: ["WelkomLedger"], swiftSettings: strict),
        .testTarget(name: "WelkomAuditTests", dependencies: [
            "WelkomAudit", "WelkomLedger", "WelkomRegistry", "WelkomConfig", "WelkomCore", "WelkomConsent", "WelkomTesting",
        ], swiftSettings: strict),
        .testTarget(name: "WelkomChainTests", dependencies: [
            "WelkomChain", "WelkomConsent", "WelkomRegistry", "WelkomLedger", "WelkomCore", "WelkomTesting",
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], swiftSettings: strict),
        .testTarget(name: "WelkomRegistryTests", dependencies: ["WelkomRegistry"], swiftSettings: strict),
        .testTarget(name: "WelkomConfigTests", dependencies: ["WelkomConfig"], swiftSettings: strict),
        .testTarget(name: "WelkomPoleDisplayTests", dependencies: ["WelkomPoleDisplay"], swiftSettings: strict),
        .testTarget(name: "WelkomSerialTests", dependencies: ["WelkomSerial"], swiftSettings: strict),
        .testTarget(name: "WelkomTillHubTests", dependencies: [
            "WelkomTillHub", "WelkomTesting", .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .testTarget(name: "WelkomAgentTests", dependencies: [
            "WelkomAgent", "WelkomConsent", "WelkomCore", "WelkomIdentifiers", "WelkomLedger", "WelkomPolicy", "WelkomRecogniser",
            "WelkomRegistry", "WelkomTillHub", "WelkomTesting", "WelkomConfig", "WelkomCards", "WelkomRadio",
            "WelkomPoleDisplay", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
    ]
)
