// swift-tools-version:6.1
// Benchmarks live in their own package so that the product's build does not carry
// ordo-one/benchmark. Run with `make bench`.
import PackageDescription

let package = Package(
    name: "WelkomBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Welkom", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "RecogniserBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "WelkomCore", package: "Welkom"),
                .product(name: "WelkomIdentifiers", package: "Welkom"),
                .product(name: "WelkomRecogniser", package: "Welkom"),
                .product(name: "WelkomRadio", package: "Welkom"),
            ],
            path: "Benchmarks/RecogniserBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Issue 4: the radio's decoding path and till zones.
        .executableTarget(
            name: "RadioBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "WelkomCore", package: "Welkom"),
                .product(name: "WelkomRadio", package: "Welkom"),
                .product(name: "WelkomZones", package: "Welkom"),
            ],
            path: "Benchmarks/RadioBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "WelkomCore", package: "Welkom"),
                .product(name: "WelkomLedger", package: "Welkom"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "TillLatencyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "WelkomCore", package: "Welkom"),
                .product(name: "WelkomIdentifiers", package: "Welkom"),
                .product(name: "WelkomAgent", package: "Welkom"),
                .product(name: "WelkomConfig", package: "Welkom"),
                .product(name: "WelkomRegistry", package: "Welkom"),
                .product(name: "WelkomTillHub", package: "Welkom"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/TillLatencyBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
            // Issue 14: chain mode against a throw-away PostgreSQL cluster (Tests/Tools/pg-cluster.sh). A
        // plain measured run, not a Benchmark-plugin target: its setup (a million consents) is the
        // expensive part and runs once. `swift run -c release ChainBenchmarks [CONSENTS]`.
        .executableTarget(
            name: "ChainBenchmarks",
            dependencies: [
                .product(name: "WelkomCore", package: "Welkom"),
                .product(name: "WelkomChain", package: "Welkom"),
                .product(name: "WelkomConsent", package: "Welkom"),
                .product(name: "WelkomRegistry", package: "Welkom"),
                .product(name: "WelkomLedger", package: "Welkom"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "ChainBenchmarks"),
    ]
)
