import FuzzSupport
import WelkomCards
import WelkomIdentifiers

/// An ACR122U's CCID answers: the first byte is the sequence number the agent expects, the rest
/// the reader's bulk-in transfer. The data returned lies inside the transfer, after the header.
/// An NFC UID made from it is "uid:" + hex of 4, 7 or 10 bytes, or refused.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCCIDMessage(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    guard let sequence = bytes.first else { return 0 }
    let answer = Array(bytes.dropFirst())
    guard let body = ReaderDecoding.ccidDataBlock(answer, sequence: sequence) else { return 0 }
    precondition(answer.count >= 10 && body.count <= answer.count - 10, "data beyond the transfer")
    precondition(body.isEmpty || answer[6] == sequence, "an answer out of sequence accepted")
    // The agent's UID: the response body without SW1 SW2.
    if body.count >= 2 {
        switch CardNumber.normaliseNFC(uid: Array(body.dropLast(2))) {
        case .loyalty(let n, let symbology):
            precondition(symbology == .nfcUID && n.hasPrefix("uid:") && [12, 18, 24].contains(n.utf8.count))
        case .paymentCard: preconditionFailure("a UID taken for a payment card")
        case .invalid: break
        }
    }
    return 0
}

runFuzzer(fuzzCCIDMessage)
