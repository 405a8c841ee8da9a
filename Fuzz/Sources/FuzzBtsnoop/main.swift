import FuzzSupport
import Foundation
import WelkomRadio

/// A btsnoop capture as `welkom replay` reads it, from a file (the reader takes a path).
/// Records are 24-byte headers after a 16-byte file header, so their count is bounded by the
/// file's size; a capture that cannot be read throws, never traps.
let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("welkom-fuzz-btsnoop-\(getpid()).btsnoop").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBtsnoop(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return 0 }
    defer { unlink(path) }
    guard let result = try? CaptureReplay.sightings(inCapture: path) else { return 0 }
    precondition(result.records <= max(0, bytes.count - 16) / 24, "more records than the file holds")
    // An advertising report is at least 11 bytes of its event; each sighting is one report.
    precondition(result.sightings.count <= bytes.count / 11 + 1, "more sightings than the file holds")
    return 0
}

runFuzzer(fuzzBtsnoop)
