import FuzzSupport
import struct Foundation.Date
import WelkomRadio

/// HCI events: the input is an event packet (code, length, parameters) with its length byte made
/// consistent, so the fuzzer spends its time inside the report parsers, not on the header check.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHCIEvent(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var bytes = fuzzInput(data, count)
    guard bytes.count >= 2, bytes.count <= 257 else { return 0 }
    bytes[1] = UInt8(bytes.count - 2)
    let packet = H4Packet(type: .event, bytes: bytes)
    if case .advertisingReports(let reports)? = try? HCIEvent.decode(packet) {
        for report in reports { precondition(report.data.count <= bytes.count) }
    }
    var extractor = SightingExtractor()
    _ = try? extractor.sightings(in: packet, at: Date(timeIntervalSince1970: 0))
    return 0
}

runFuzzer(fuzzHCIEvent)
