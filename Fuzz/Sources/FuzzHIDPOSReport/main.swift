import FuzzSupport
import WelkomCards
import WelkomIdentifiers

/// A HID-POS scanner's reports: the input is a sequence of [length][report] (the device sends
/// 64-byte reports; other lengths are what a broken one might). A code holds only its reports'
/// data and AIM identifier, so it is bounded by the input and by the assembler's limit (plus
/// the 3-byte AIM identifier); a payment card never comes out as a loyalty card.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHIDPOSReport(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    var reports: [[UInt8]] = []
    var i = 0
    while i < bytes.count {
        let n = Int(bytes[i])
        let end = min(bytes.count, i + 1 + n)
        reports.append(Array(bytes[(i + 1)..<end]))
        i = end
    }
    let limit = 128
    let out = ReaderDecoding.hidPOSReports(reports, limit: limit)
    precondition(out.count <= reports.count, "more codes than reports")
    var total = 0
    for case .code(let code) in out {
        total += code.count
        precondition(code.count <= limit + 3, "a code beyond the limit")
        if case .loyalty(let n, let symbology) = CardNumber.classify(line: code), symbology != .nfcUID {
            precondition(!PaymentCardRanges.isPaymentCard(n), "a PAN classified as loyalty")
        }
    }
    precondition(total <= bytes.count, "codes larger than the reports")
    return 0
}

runFuzzer(fuzzHIDPOSReport)
