// swift-tools-version:6.1
// libFuzzer targets for the radio's parsers (issue 4): H4 framing, HCI events, AD structures;
// and for `consent import`'s parser and the till hub's request handling (issue 12).
// A package of its own, like Benchmarks/, so that the product's build never carries
// -sanitize=fuzzer. Run them with `make fuzz` (a short bounded run of each), or one for longer:
//   cd Fuzz && swift build -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld
//   .build/debug/FuzzH4Decoder -max_total_time=600 Corpus/FuzzH4Decoder
import PackageDescription

let package = Package(
    name: "WelkomFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Welkom", path: ".."),
        // The till hub's router and an embedded channel for its request contexts (FuzzTillRequest);
        // the same packages and versions Welkom itself uses.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // libFuzzer's driver, called from each target's main.swift.
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        .executableTarget(name: "FuzzH4Decoder", dependencies: ["FuzzSupport", .product(name: "WelkomRadio", package: "Welkom")]),
        .executableTarget(name: "FuzzHCIEvent", dependencies: ["FuzzSupport", .product(name: "WelkomRadio", package: "Welkom")]),
        .executableTarget(name: "FuzzADStructures", dependencies: ["FuzzSupport", .product(name: "WelkomRadio", package: "Welkom")]),
        .executableTarget(name: "FuzzTillRequest", dependencies: [
            "FuzzSupport", .product(name: "WelkomTillHub", package: "Welkom"), .product(name: "WelkomCore", package: "Welkom"),
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        // `consent import`'s parser (issue 12): all-or-nothing, limits, no control characters, no PAN.
        .executableTarget(name: "FuzzConsentImport", dependencies: [
            "FuzzSupport", .product(name: "WelkomConsent", package: "Welkom"), .product(name: "WelkomRegistry", package: "Welkom"),
            .product(name: "WelkomIdentifiers", package: "Welkom"), .product(name: "WelkomCore", package: "Welkom"),
        ]),
        // Issue 13: the card readers' reports (through WelkomCards.ReaderDecoding), what they
        // deliver as text (CardNumber), btsnoop captures and the TOML config.
        .executableTarget(name: "FuzzKeyboardReport", dependencies: [
            "FuzzSupport", .product(name: "WelkomCards", package: "Welkom"), .product(name: "WelkomIdentifiers", package: "Welkom"),
        ]),
        .executableTarget(name: "FuzzHIDPOSReport", dependencies: [
            "FuzzSupport", .product(name: "WelkomCards", package: "Welkom"), .product(name: "WelkomIdentifiers", package: "Welkom"),
        ]),
        .executableTarget(name: "FuzzCCIDMessage", dependencies: [
            "FuzzSupport", .product(name: "WelkomCards", package: "Welkom"), .product(name: "WelkomIdentifiers", package: "Welkom"),
        ]),
        .executableTarget(name: "FuzzCardCode", dependencies: [
            "FuzzSupport", .product(name: "WelkomCards", package: "Welkom"), .product(name: "WelkomIdentifiers", package: "Welkom"),
        ]),
        .executableTarget(name: "FuzzBtsnoop", dependencies: ["FuzzSupport", .product(name: "WelkomRadio", package: "Welkom")]),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzSupport", .product(name: "WelkomConfig", package: "Welkom")]),
    ]
)
