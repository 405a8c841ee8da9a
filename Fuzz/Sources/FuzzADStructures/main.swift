import FuzzSupport
import WelkomRadio

/// AD structures: the input is an advertisement's data; the structures found must lie inside it,
/// and the fast evidence scan must agree with the iterator about overruns.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzADStructures(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    let (structures, overrun) = AdvertisingData(bytes).structures()
    for s in structures { precondition(s.offset + 2 + s.data.count <= bytes.count) }
    let scan = AdvertisingData.scan(bytes)
    precondition((scan.overrun == nil) == (overrun == nil), "scan and iterator disagree about an overrun")
    _ = scan.evidence.kind
    return 0
}

runFuzzer(fuzzADStructures)
