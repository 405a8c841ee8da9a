import XCTest
@testable import WelkomRadio
import WelkomTesting

final class H4DecoderTests: XCTestCase {
    /// A Command Complete for Reset, an LE Meta advertising report, an ACL packet, an ISO packet.
    let stream: [UInt8] =
        [0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00]
        + [0x04, 0x3E, 0x0C, 0x02, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 0x00, 0xCE]
        + [0x02, 0x01, 0x20, 0x03, 0x00, 0xAA, 0xBB, 0xCC]
        + [0x05, 0x02, 0x00, 0x02, 0x00, 0x11, 0x22]
        + [0x01, 0x03, 0x0C, 0x00]

    var expected: [H4Packet] {
        [H4Packet(type: .event, bytes: [0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00]),
         H4Packet(type: .event, bytes: [0x3E, 0x0C, 0x02, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 0x00, 0xCE]),
         H4Packet(type: .acl, bytes: [0x01, 0x20, 0x03, 0x00, 0xAA, 0xBB, 0xCC]),
         H4Packet(type: .iso, bytes: [0x02, 0x00, 0x02, 0x00, 0x11, 0x22]),
         H4Packet(type: .command, bytes: [0x03, 0x0C, 0x00])]
    }

    func drain(_ d: inout H4Decoder, errors: inout [H4FramingError]) -> [H4Packet] {
        var out: [H4Packet] = []
        while true {
            do {
                guard let p = try d.next() else { return out }
                out.append(p)
            } catch {
                errors.append(error)
            }
        }
    }

    func testEverySplitIntoThreePiecesGivesTheSamePackets() {
        let n = stream.count
        for a in 0...n {
            for b in a...n {
                var d = H4Decoder()
                var errors: [H4FramingError] = []
                var got: [H4Packet] = []
                for piece in [stream[0..<a], stream[a..<b], stream[b..<n]] {
                    d.feed(piece)
                    got += drain(&d, errors: &errors)
                }
                XCTAssertEqual(got, expected, "split at \(a), \(b)")
                XCTAssertEqual(errors, [], "split at \(a), \(b)")
                XCTAssertEqual(d.bufferedByteCount, 0)
            }
        }
    }

    func testByteByByte() {
        var d = H4Decoder()
        var errors: [H4FramingError] = []
        var got: [H4Packet] = []
        for b in stream { d.feed([b]); got += drain(&d, errors: &errors) }
        XCTAssertEqual(got, expected)
        XCTAssertTrue(errors.isEmpty)
    }

    func testGarbagePrefixIsSkippedReportedAndPacketsFollow() {
        // "…half a packet": tail of an advertising report's data, as a host attaching mid-stream sees it.
        let garbage: [UInt8] = [0x48, 0x65, 0x6C, 0x00, 0xFF, 0x99]
        for split in 0...(garbage.count + stream.count) {
            let all = garbage + stream
            var d = H4Decoder()
            var errors: [H4FramingError] = []
            d.feed(all[0..<split]); var got = drain(&d, errors: &errors)
            d.feed(all[split...]); got += drain(&d, errors: &errors)
            XCTAssertEqual(got, expected, "split \(split)")
            XCTAssertFalse(errors.isEmpty, "split \(split)")
            XCTAssertEqual(errors.reduce(0) { $0 + $1.skippedBytes }, garbage.count, "split \(split)")
            XCTAssertEqual(d.framingErrorCount, errors.count)
        }
        var d = H4Decoder()
        d.feed(garbage + stream)
        XCTAssertThrowsError(try d.next()) { error in
            XCTAssertEqual((error as? H4FramingError)?.reason, .unknownType(0x48))
            XCTAssertTrue("\(error)".contains("starts no H4 packet"))
            XCTAssertFalse("\(error)".contains("48"), "the log text must not carry received bytes")
        }
    }

    func testImpossibleHeadersResynchronise() {
        // Event code 0x00 is reserved; a Command Status must have 4 parameter bytes; ACL longer than the maximum;
        // ISO with reserved length bits set. (The garbage after each holds no other indicator byte.)
        for bad: [UInt8] in [[0x04, 0x00, 0x07], [0x04, 0x0F, 0x09], [0x02, 0x10, 0x00, 0xFF, 0xFF], [0x05, 0x10, 0x00, 0x10, 0xC0]] {
            var d = H4Decoder()
            var errors: [H4FramingError] = []
            d.feed(bad + stream)
            XCTAssertEqual(drain(&d, errors: &errors), expected, "\(bad)")
            XCTAssertEqual(errors.count, 1, "\(bad)")
            XCTAssertEqual(errors.first?.skippedBytes, bad.count, "\(bad)")
            if case .impossibleHeader = errors.first?.reason {} else { XCTFail("\(bad): \(errors)") }
        }
    }

    /// A host's decoder never takes a 0x01 in the controller's stream for a command: garbage
    /// holding one resynchronises instead of swallowing the packets that follow.
    func testControllerToHostDecoderRejectsCommands() {
        let fromController = Array(stream.dropLast(4))
        let want = Array(expected.dropLast())
        var d = H4Decoder(accepting: H4Decoder.controllerToHost)
        var errors: [H4FramingError] = []
        d.feed([0x04, 0x00, 0x01] + fromController)
        XCTAssertEqual(drain(&d, errors: &errors), want)
        XCTAssertEqual(errors.reduce(0) { $0 + $1.skippedBytes }, 3)
        // The all-types decoder would have read "01 04 0E 04" as a command and lost the first event.
        var all = H4Decoder()
        all.feed([0x04, 0x00, 0x01] + fromController)
        XCTAssertNotEqual(drain(&all, errors: &errors), want)
    }

    func testTruncatedPacketWaitsThenCompletes() {
        var d = H4Decoder()
        var errors: [H4FramingError] = []
        d.feed(stream[0..<10])
        XCTAssertEqual(drain(&d, errors: &errors), [expected[0]])
        XCTAssertEqual(d.bufferedByteCount, 3)
        d.feed(stream[10...])
        XCTAssertEqual(drain(&d, errors: &errors), Array(expected[1...]))
        XCTAssertTrue(errors.isEmpty)
    }

    func testPureGarbageNeverCrashesAndIsCounted() {
        var generator = TestSeed.generator(for: self)
        var d = H4Decoder()
        var errors: [H4FramingError] = []
        for _ in 0..<200 {
            let chunk = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            d.feed(chunk)
            _ = drain(&d, errors: &errors)
        }
        // Whatever it made of the noise, real packets after it come through once it is back in step.
        d.reset()
        d.feed(stream)
        XCTAssertEqual(drain(&d, errors: &errors), expected)
    }

    func testDecodeWhole() throws {
        XCTAssertEqual(try H4Decoder.decodeWhole([0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00]), expected[0])
        XCTAssertThrowsError(try H4Decoder.decodeWhole([0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C])) { error in
            XCTAssertEqual((error as? H4FramingError)?.reason, .lengthMismatch(declared: 6, actual: 5))
        }
        XCTAssertThrowsError(try H4Decoder.decodeWhole([0x09, 0x00]))
        XCTAssertThrowsError(try H4Decoder.decodeWhole([]))
    }

    func testResetCompleteScannerFindsTheResetInNoiseAcrossChunks() {
        let noise: [UInt8] = [0x57, 0x01, 0x04, 0x3E, 0x2B, 0x0D, 0x04, 0x0E, 0x04]  // ends like a near-miss
        let reset: [UInt8] = [0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00]
        let after: [UInt8] = [0x04, 0x0E, 0x04, 0x01, 0x01, 0x0C, 0x00]
        let all = noise + reset + after
        for split in 0...all.count {
            var s = ResetCompleteScanner()
            var following: [UInt8] = []
            var status: HCIStatus?
            if let (st, rest) = s.feed(Array(all[0..<split])) {
                status = st
                following = Array(rest) + all[split...]  // later chunks go straight to the decoder
            } else if let (st, rest) = s.feed(Array(all[split...])) {
                status = st
                following = Array(rest)
            }
            XCTAssertEqual(status, .success, "split \(split)")
            // Everything before the reset's completion is gone; everything after it is kept.
            XCTAssertEqual(following, after, "split \(split)")
        }
        var s = ResetCompleteScanner()
        XCTAssertEqual(s.feed([0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x0C])?.status, .commandDisallowed)
    }
}
