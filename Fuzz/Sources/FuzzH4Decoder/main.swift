import FuzzSupport
import WelkomRadio

/// H4 framing: the input is a byte stream from a controller, fed in chunks whose sizes the first
/// byte picks; every packet out must be a whole packet of an accepted type.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzH4Decoder(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    guard let first = bytes.first else { return 0 }
    let chunk = Int(first % 32) + 1
    var decoder = H4Decoder(accepting: H4Decoder.controllerToHost)
    var offset = 1
    while offset < bytes.count {
        decoder.feed(bytes[offset..<min(offset + chunk, bytes.count)])
        offset += chunk
        while true {
            do {
                guard let packet = try decoder.next() else { break }
                precondition(packet.type != .command, "a command came out of a controller-to-host decoder")
            } catch {
                precondition(error.skippedBytes > 0, "a framing error that skipped nothing would loop")
            }
        }
    }
    _ = try? H4Decoder.decodeWhole(bytes.dropFirst())
    return 0
}

runFuzzer(fuzzH4Decoder)
