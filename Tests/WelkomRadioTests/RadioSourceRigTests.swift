#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import WelkomCore
import WelkomIdentifiers
import XCTest
@testable import WelkomRadio

/// The whole radio path against a real, independently written controller: Google's Bumble
/// (Tests/Rigs/bumble_store.py) exposed over a pty, advertisers on its LocalLink sending WLK1
/// frames that the rig computes with its own Python implementation of the spec.
final class RadioSourceRigTests: XCTestCase {
    let enrolledKey = Block128(hex: "3f1e2d4c5b6a79880706152433425160")!
    var directory: URL!

    override func setUpWithError() throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("welkom-radio-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The enrolled key's token now and in the windows either side (a test may straddle a turn).
    func expectedTokens() -> Set<Block128> {
        let now = Date()
        return Set([-600.0, 0, 600].compactMap { WLK1.token(beaconKey: enrolledKey, at: now.addingTimeInterval($0)) })
    }

    func startStore(pty: String, extra: [String] = []) throws -> (BumbleRig, Set<Block128>) {
        let strangersFile = directory.appendingPathComponent("strangers-\(UUID().uuidString.prefix(4)).txt").path
        let rig = try BumbleRig(script: "bumble_store.py",
                                arguments: ["--pty", pty, "--enrolled-key", enrolledKey.hex, "--strangers", "3",
                                            "--strangers-tokens-file", strangersFile, "--interval-ms", "50"] + extra,
                                waitFor: "READY")
        let strangers = Set(((try? String(contentsOfFile: strangersFile, encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { Block128(hex: String($0)) })
        return (rig, strangers)
    }

    /// Waits until `condition` holds over the sightings so far.
    func waitFor(_ sightings: Collected, timeout: Duration = .seconds(30), _ what: String,
                 _ condition: @escaping ([Sighting]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(await sightings.all) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("timed out waiting for \(what); got \(await sightings.all.count) sightings")
    }

    func tokens(_ sightings: [Sighting]) -> [Block128] {
        sightings.compactMap { if case .wlk1(_, let t) = $0.evidence { t } else { nil } }
    }

    func scan(legacyReports: Bool) async throws {
        let pty = directory.appendingPathComponent("hci.pty").path
        let (rig, strangers) = try startStore(pty: pty, extra: legacyReports ? ["--legacy-reports"] : [])
        defer { XCTAssertEqual(rig.stop(), 0, "rig exit status") }
        XCTAssertEqual(strangers.count, 3)

        let expected = expectedTokens()
        let capture = directory.appendingPathComponent("live.btsnoop").path
        let recorder = try BtsnoopWriter(path: capture)
        let source = RadioSource(spec: try TransportSpec(parsing: "serial:\(pty)"), logger: Logger(label: "welkom.radio.test"),
                                 recorder: recorder)
        let collected = Collected()
        let task = Task { try await source.run { await collected.add($0) } }

        try await waitFor(collected, "the enrolled key's token and every stranger's") { all in
            let seen = Set(self.tokens(all))
            return !seen.isDisjoint(with: expected) && strangers.isSubset(of: seen)
        }
        XCTAssertEqual(source.scanMode, legacyReports ? .legacy : .extended)
        let all = await collected.all
        let ours = all.filter { if case .wlk1(let c, let t) = $0.evidence { c == 0xFFFF && expected.contains(t) } else { false } }
        XCTAssertFalse(ours.isEmpty)
        XCTAssertTrue(ours.allSatisfy { $0.rssi == -50 && $0.source == .radio && $0.till == nil })
        XCTAssertTrue(ours.allSatisfy { abs($0.time.timeIntervalSinceNow) < 60 })
        let stats = source.stats
        XCTAssertGreaterThanOrEqual(stats.wlk1Reports, ours.count)
        XCTAssertEqual(stats.malformedReports, 0)
        XCTAssertEqual(stats.malformedAdvertisingData, 0)

        task.cancel()
        try await task.value  // returns on cancellation, does not throw

        // The recording shows which report events the controller really sent, and the commands we did.
        recorder.close()
        let reader = try BtsnoopReader(path: capture)
        var subevents = Set<UInt8>()
        var opcodes = Set<UInt16>()
        while let record = try reader.next() {
            let d = record.data
            if record.isControllerToHost, d.count > 3, d[0] == 0x04, d[1] == 0x3E { subevents.insert(d[3]) }
            if !record.isControllerToHost, d.count >= 3, d[0] == 0x01 { opcodes.insert(UInt16(d[1]) | UInt16(d[2]) << 8) }
        }
        XCTAssertEqual(subevents, [legacyReports ? 0x02 : 0x0D])
        XCTAssertTrue(opcodes.isSuperset(of: [HCIOpcode.reset.rawValue, HCIOpcode.setEventMask.rawValue, HCIOpcode.leSetEventMask.rawValue,
                                              HCIOpcode.leReadLocalSupportedFeatures.rawValue]))
        let scanCommands: [HCIOpcode] = legacyReports ? [.leSetScanParameters, .leSetScanEnable] : [.leSetExtendedScanParameters, .leSetExtendedScanEnable]
        XCTAssertTrue(opcodes.isSuperset(of: scanCommands.map(\.rawValue)))
        let otherScanCommands: [HCIOpcode] = legacyReports ? [.leSetExtendedScanParameters, .leSetExtendedScanEnable] : [.leSetScanParameters, .leSetScanEnable]
        XCTAssertTrue(opcodes.isDisjoint(with: otherScanCommands.map(\.rawValue)))
    }

    func testScanWithLegacyAdvertisingReports() async throws {
        try await scan(legacyReports: true)
    }

    func testScanWithExtendedAdvertisingReports() async throws {
        try await scan(legacyReports: false)
    }

    /// The same over H4 on TCP (Bumble's tcp-server), through `tcp:HOST:PORT`.
    func testScanOverTCP() async throws {
        let port = try freeTCPPort()
        let rig = try BumbleRig(script: "bumble_store.py",
                                arguments: ["--tcp", "\(port)", "--enrolled-key", enrolledKey.hex, "--interval-ms", "50"], waitFor: "READY")
        defer { XCTAssertEqual(rig.stop(), 0) }
        let source = RadioSource(spec: try TransportSpec(parsing: "tcp:127.0.0.1:\(port)"), logger: Logger(label: "welkom.radio.test"))
        let collected = Collected()
        let task = Task { try await source.run { await collected.add($0) } }
        let expected = expectedTokens()
        try await waitFor(collected, "sightings over TCP") { !Set(self.tokens($0)).isDisjoint(with: expected) }
        XCTAssertEqual(source.scanMode, .extended)
        task.cancel()
        try await task.value
    }

    func freeTCPPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw RigError("cannot find a free TCP port") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// The controller goes away (pty gone) and comes back: the source logs, reopens with
    /// backoff and delivers again, without its caller noticing anything but a gap.
    func testReopensAfterTheControllerGoesAway() async throws {
        let pty = directory.appendingPathComponent("hci.pty").path
        let (rig1, _) = try startStore(pty: pty)
        let source = RadioSource(spec: .serial(path: pty, baud: TransportSpec.defaultBaud), logger: Logger(label: "welkom.radio.test"))
        let collected = Collected()
        let task = Task { try await source.run { await collected.add($0) } }
        let expected = expectedTokens()
        try await waitFor(collected, "first sightings") { !Set(self.tokens($0)).isDisjoint(with: expected) }
        XCTAssertEqual(rig1.stop(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pty), "rig left its pty link behind")

        let before = await collected.all.count
        try await Task.sleep(for: .seconds(2))
        XCTAssertGreaterThanOrEqual(source.stats.transportReopens, 1)
        let (rig2, _) = try startStore(pty: pty, extra: ["--legacy-reports"])
        defer { rig2.stop() }
        try await waitFor(collected, "sightings after the reopen") { all in
            all.count > before + 5 && !Set(self.tokens(Array(all[before...]))).isDisjoint(with: expected)
        }
        XCTAssertEqual(source.scanMode, .legacy)
        task.cancel()
        try await task.value
    }

    /// A host that attaches to a controller already streaming reports (the previous host left
    /// scanning on and vanished) still gets through reset and setup.
    func testAttachWhileTheControllerIsAlreadyScanning() async throws {
        let pty = directory.appendingPathComponent("hci.pty").path
        let (rig, _) = try startStore(pty: pty)
        defer { rig.stop() }
        // A careless earlier host: enable scanning, leave without disabling it.
        let careless = SerialTransport(path: pty)
        try careless.open()
        try careless.write(HCICommand.leSetExtendedScanEnable(enable: true, filterDuplicates: false).encoded)
        try await Task.sleep(for: .milliseconds(800))
        careless.close()
        try await Task.sleep(for: .milliseconds(300))

        let source = RadioSource(spec: .serial(path: pty, baud: TransportSpec.defaultBaud), logger: Logger(label: "welkom.radio.test"))
        let collected = Collected()
        let task = Task { try await source.run { await collected.add($0) } }
        let expected = expectedTokens()
        try await waitFor(collected, "sightings") { !Set(self.tokens($0)).isDisjoint(with: expected) }
        XCTAssertEqual(source.stats.transportReopens, 0)
        task.cancel()
        try await task.value
    }

    /// Tests/Rigs/bumble_capture.py records a Bumble host scanning; our reader and replay find
    /// the enrolled token and the strangers in it, stamped with the records' times.
    func testReplayOfABumbleCapture() throws {
        for legacy in [false, true] {
            let capture = directory.appendingPathComponent("scan-\(legacy).btsnoop").path
            let strangersFile = directory.appendingPathComponent("capture-strangers.txt").path
            let started = Date()
            _ = try BumbleRig.runToCompletion(script: "bumble_capture.py",
                                              arguments: ["--output", capture, "--seconds", "2", "--enrolled-key", enrolledKey.hex,
                                                          "--strangers", "2", "--strangers-tokens-file", strangersFile]
                                                  + (legacy ? ["--legacy-reports"] : []))
            let strangers = Set(try String(contentsOfFile: strangersFile, encoding: .utf8).split(separator: "\n").compactMap { Block128(hex: String($0)) })
            let result = try CaptureReplay.sightings(inCapture: capture)
            let seen = Set(tokens(result.sightings))
            XCTAssertFalse(seen.isDisjoint(with: expectedTokens()), "legacy \(legacy)")
            XCTAssertEqual(strangers.count, 2)
            XCTAssertTrue(strangers.isSubset(of: seen), "legacy \(legacy)")
            XCTAssertEqual(result.stats.framingErrors, 0)
            XCTAssertEqual(result.stats.malformedReports, 0)
            XCTAssertFalse(result.endedInPartialRecord)
            XCTAssertGreaterThan(result.stats.wlk1Reports, 10)
            // Record times, not replay time: within the capture's run, in order.
            let times = result.sightings.map(\.time)
            XCTAssertEqual(times, times.sorted())
            XCTAssertTrue(times.allSatisfy { $0 >= started.addingTimeInterval(-1) && $0 <= Date() })
        }
    }
}
