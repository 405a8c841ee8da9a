#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import WelkomCore
import WelkomIdentifiers
import XCTest
@testable import WelkomRadio

/// Controllers that misbehave the way real ones do, played by Bumble behind Tests/Rigs/h4_relay.py:
/// a BT5 controller that answers the extended scan commands with Command Disallowed, and a
/// controller that restarts mid-scan (announcing it with the HCI_NOP Command Complete).
final class ControllerQuirksRigTests: XCTestCase {
    let enrolledKey = Block128(hex: "3f1e2d4c5b6a79880706152433425160")!

    func expectedTokens() -> Set<Block128> {
        let now = Date()
        return Set([-600.0, 0, 600].compactMap { WLK1.token(beaconKey: enrolledKey, at: now.addingTimeInterval($0)) })
    }

    func tokens(_ sightings: [Sighting]) -> Set<Block128> {
        Set(sightings.compactMap { if case .wlk1(_, let t) = $0.evidence { t } else { nil } })
    }

    /// Bumble on TCP and the relay in front of it; returns both and the relay's port.
    func startRelayed(_ relayArguments: [String]) throws -> (BumbleRig, BumbleRig, UInt16) {
        let controllerPort = try freeLoopbackPort()
        let store = try BumbleRig(script: "bumble_store.py",
                                  arguments: ["--tcp", "\(controllerPort)", "--enrolled-key", enrolledKey.hex, "--interval-ms", "50"],
                                  waitFor: "READY")
        let relayPort = try freeLoopbackPort()
        let relay = try BumbleRig(script: "h4_relay.py",
                                  arguments: ["--listen", "\(relayPort)", "--controller", "\(controllerPort)"] + relayArguments,
                                  waitFor: "READY")
        return (store, relay, relayPort)
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("timed out waiting for \(what)")
    }

    func testCommandDisallowedForExtendedScanningSwitchesToLegacy() async throws {
        let (store, relay, port) = try startRelayed(["--disallow", "0x2041"])  // LE Set Extended Scan Parameters
        defer { relay.stop(); store.stop() }
        let source = RadioSource(spec: .tcp(host: "127.0.0.1", port: port), logger: Logger(label: "test"))
        let collected = Collected()
        let task = Task { try await source.run { await collected.add($0) } }
        let expected = expectedTokens()
        try await waitFor("sightings after the switch") { !self.tokens(await collected.all).isDisjoint(with: expected) }
        XCTAssertEqual(source.scanMode, .legacy)
        XCTAssertEqual(source.stats.transportReopens, 0, "the switch happens within one session")
        let commands = relay.stdout
        XCTAssertTrue(commands.contains("COMMAND 0x2041"))
        XCTAssertTrue(commands.contains("COMMAND 0x200b") && commands.contains("COMMAND 0x200c"), commands)
        task.cancel()
        try await task.value
    }

    func testAControllerThatRestartsIsSetUpAgain() async throws {
        let (store, relay, port) = try startRelayed([])
        defer { relay.stop(); store.stop() }
        let source = RadioSource(spec: .tcp(host: "127.0.0.1", port: port), logger: Logger(label: "test"))
        let collected = Collected()
        let task = Task { try await source.run { await collected.add($0) } }
        let expected = expectedTokens()
        try await waitFor("first sightings") { !self.tokens(await collected.all).isDisjoint(with: expected) }
        let enablesBefore = relay.stdout.components(separatedBy: "COMMAND 0x2042").count - 1
        XCTAssertEqual(enablesBefore, 2, "disable, then enable")  // the setup's two LE Set Extended Scan Enable

        kill(relay.process.processIdentifier, SIGHUP)  // the controller "reboots": scanning off, NOP to the host
        try await waitFor("the relay's restart") { relay.stdout.contains("INJECTED reset n=1") }
        try await waitFor("the controller to be set up again") {
            relay.stdout.components(separatedBy: "COMMAND 0x2042").count - 1 >= 4 && source.stats.controllerResets == 1
        }
        let before = await collected.all.count
        try await waitFor("sightings after the restart") {
            let all = await collected.all
            return all.count > before + 5 && !self.tokens(Array(all[before...])).isDisjoint(with: expected)
        }
        XCTAssertEqual(source.stats.transportReopens, 0, "set up again on the same connection")
        XCTAssertTrue(relay.stdout.contains("COMMAND 0x0c03"), "reset again as part of the setup")
        task.cancel()
        try await task.value
    }

    /// A controller that restarts without a word just goes quiet: after the silence limit the
    /// driver sets it up again.
    func testAControllerThatGoesSilentIsSetUpAgain() async throws {
        let (store, relay, port) = try startRelayed(["--restart-silently"])
        defer { relay.stop(); store.stop() }
        let source = RadioSource(spec: .tcp(host: "127.0.0.1", port: port), logger: Logger(label: "test"), silenceLimit: .seconds(2))
        let collected = Collected()
        let task = Task { try await source.run { await collected.add($0) } }
        let expected = expectedTokens()
        try await waitFor("first sightings") { !self.tokens(await collected.all).isDisjoint(with: expected) }
        XCTAssertEqual(source.stats.controllerResets, 0, "a controller that keeps talking is left alone")
        kill(relay.process.processIdentifier, SIGHUP)
        try await waitFor("the relay's silent restart") { relay.stdout.contains("INJECTED reset n=1 (silent)") }
        let before = await collected.all.count
        try await waitFor("the controller to be set up again after the silence") { source.stats.controllerResets == 1 }
        try await waitFor("sightings after the restart") {
            let all = await collected.all
            return all.count > before + 5 && !self.tokens(Array(all[before...])).isDisjoint(with: expected)
        }
        XCTAssertEqual(source.stats.transportReopens, 0)
        task.cancel()
        try await task.value
    }

    /// Sightings carry the receiver's name (till zones), and the configured options reach the transport.
    func testSightingsCarryTheReceiverName() async throws {
        let (store, relay, port) = try startRelayed([])
        defer { relay.stop(); store.stop() }
        let source = RadioSource(spec: .tcp(host: "127.0.0.1", port: port), logger: Logger(label: "test"), receiver: "till2")
        let collected = Collected()
        let task = Task { try await source.run { await collected.add($0) } }
        try await waitFor("sightings") { await collected.all.count > 10 }
        let all = await collected.all
        XCTAssertTrue(all.allSatisfy { $0.receiver == "till2" })
        task.cancel()
        try await task.value
    }
}

/// A TCP port on 127.0.0.1 nobody listens on right now.
func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard ok else { throw RigError("cannot find a free TCP port") }
    return UInt16(bigEndian: address.sin_port)
}
