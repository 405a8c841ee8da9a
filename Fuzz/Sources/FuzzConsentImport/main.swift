import Foundation
import FuzzSupport
import WelkomConsent
import WelkomCore
import WelkomIdentifiers
import WelkomRegistry

/// `consent import`'s parser (issue 12): any bytes give either enrolments that keep every rule the
/// registry checks — field limits, no control character, each customer and card once, no payment
/// card — or problem lines "FILE:LINE: …" that hold no raw control character. It never traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConsentImport(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, count), as: UTF8.self)
    let now = Date(timeIntervalSince1970: 1_795_975_200)
    switch ConsentImportFile.parse(text, file: "f.jsonl", now: now) {
    case .success(let enrolments):
        var customers = Set<String>()
        var cards = Set<String>()
        for e in enrolments {
            precondition(e.fieldLimitProblem == nil, "an enrolment beyond the field limits was accepted")
            precondition(FieldLimits.firstControlCharacter(in: e.customer) == nil, "a control character in an ID")
            precondition(customers.insert(e.customer).inserted, "a customer twice")
            precondition(e.tags.allSatisfy(Enrolment.isValidTag), "a bad tag")
            for card in e.cards {
                precondition(!PaymentCardRanges.isPaymentCard(card), "a payment card was accepted")
            }
            for card in Set(e.cards) {
                precondition(cards.insert(card).inserted, "a card on two lines")
            }
        }
    case .failure(let problems):
        precondition(!problems.lines.isEmpty, "a failure without a problem")
        for line in problems.lines {
            precondition(line.hasPrefix("f.jsonl"), "a problem that names no file")
            precondition(FieldLimits.firstControlCharacter(in: line) == nil, "a raw control character in a message")
        }
    }
    return 0
}

runFuzzer(fuzzConsentImport)
