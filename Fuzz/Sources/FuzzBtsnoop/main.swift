import FuzzSupport
import Foundation
import WelkomRadio

/// A btsnoop capture as `welkom replay` reads it, from a file (the reader takes a path): datalinks
/// 1002, 1001 and 2001 (BlueZ's monitor format, seeds written by btmon and by Wireshark).
/// Records are 24-byte headers after a 16-byte file header, so their count is bounded by the
/// file's size; a capture that cannot be read throws, never traps.
let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("welkom-fuzz-btsnoop-\(getpid()).btsnoop").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBtsnoop(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return 0 }
    defer { unlink(path) }
    // A monitor capture of several controllers is refused without an index: each of the first
    // two is replayed as `--index` would, so the per-controller path is fuzzed too.
    for index in [nil, 0, 1] as [UInt16?] {
        guard let result = try? CaptureReplay.sightings(inCapture: path, index: index) else { continue }
        precondition(result.records <= max(0, bytes.count - 16) / 24, "more records than the file holds")
        // An advertising report is at least 11 bytes of its event; each sighting is one report.
        precondition(result.sightings.count <= bytes.count / 11 + 1, "more sightings than the file holds")
        if let partial = result.partialRecordNumber { precondition(partial >= 1 && partial <= bytes.count / 24 + 1) }
    }
    return 0
}

runFuzzer(fuzzBtsnoop)
