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
    ]
)
