import FuzzSupport
import WelkomCards
import WelkomIdentifiers

/// A keyboard-wedge scanner's HID boot reports. The first byte picks the layout, the rest are
/// 8-byte reports. Each press types at most two characters (a dead key and the next), so a code
/// stays within the limit (plus a trailing dead key), and no report can give more than six
/// events; whatever the codes are, a payment card never comes out of them as a loyalty card.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeyboardReport(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    guard let first = bytes.first else { return 0 }
    let layouts = KeyboardLayout.allCases
    let layout = layouts[Int(first) % layouts.count]
    let limit = 64
    let reports = Array(bytes.dropFirst())
    let out = ReaderDecoding.keyboardReports(reports, layout: layout, limit: limit)
    precondition(out.count <= (reports.count + 7) / 8 * 6 + 1, "more events than key presses")
    for case .code(let code) in out {
        precondition(!code.isEmpty, "an empty code")
        precondition(String(decoding: code, as: UTF8.self).count <= limit + 1, "a code beyond the limit")
        if case .loyalty(let n, let symbology) = CardNumber.classify(line: code), symbology != .nfcUID {
            precondition(!PaymentCardRanges.isPaymentCard(n), "a PAN classified as loyalty")
        }
    }
    return 0
}

runFuzzer(fuzzKeyboardReport)
