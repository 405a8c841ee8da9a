import FuzzSupport
import WelkomCards
import WelkomIdentifiers

/// What readers deliver as text — magstripe tracks, barcodes, AIM-prefixed codes, typed numbers —
/// through `CardNumber`: the whole input as one line, each line a serial scanner would cut from
/// it, and the enrolment form. Never a trap; a loyalty number is never a brand's Luhn-valid PAN;
/// a loyalty number is digits (or a UID), 4 to 40 of them; and a refusal never repeats the digits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCardCode(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    check(CardNumber.classify(line: bytes), input: bytes)
    for case .code(let line) in ReaderDecoding.serialLines(bytes, limit: 256) {
        precondition(line.count <= 256 && !line.contains(0x0A) && !line.contains(0x0D))
        check(CardNumber.classify(line: line), input: line)
    }
    check(CardNumber.enrolment(String(decoding: bytes, as: UTF8.self)), input: bytes)
    return 0
}

func check(_ code: CardCode, input: [UInt8]) {
    switch code {
    case .loyalty(let n, .nfcUID):
        precondition(n.hasPrefix("uid:"))
    case .loyalty(let n, _):
        precondition(n.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }, "a loyalty number with a non-digit")
        precondition((CardNumber.minimumDigits...CardNumber.maximumDigits).contains(n.utf8.count))
        precondition(!PaymentCardRanges.isPaymentCard(n), "a PAN classified as loyalty")
    case .paymentCard:
        break
    case .invalid(let problem):
        // Counts and positions only: a description can't carry 8 digits of the input in a row.
        let digits = input.filter { $0 >= 0x30 && $0 <= 0x39 }
        if digits.count >= 8, digits.count == input.count {
            precondition(!problem.description.contains(String(decoding: digits, as: UTF8.self)),
                         "a refusal repeats the code")
        }
    }
}

runFuzzer(fuzzCardCode)
