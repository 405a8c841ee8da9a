import WelkomIdentifiers

/// The few USB CCID bulk messages the ACR122U needs (CCID spec rev 1.1, §6.1–6.2): a 10-byte
/// header — type, dwLength (little-endian), slot, sequence, three type-specific bytes — then data.
enum CCIDMessage {
    static let headerLength = 10
    static let powerOn: UInt8 = 0x62          // PC_to_RDR_IccPowerOn
    static let xfrBlock: UInt8 = 0x6F         // PC_to_RDR_XfrBlock
    static let dataBlock: UInt8 = 0x80        // RDR_to_PC_DataBlock

    static func powerOn(sequence: UInt8) -> [UInt8] {
        // bPowerSelect 1 (5 V), as the ACR122U's own driver sends.
        [powerOn, 0, 0, 0, 0, 0, sequence, 0x01, 0, 0]
    }

    static func xfrBlock(sequence: UInt8, apdu: [UInt8]) -> [UInt8] {
        let n = UInt32(apdu.count)
        return [xfrBlock, UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24),
                0, sequence, 0, 0, 0] + apdu
    }

    /// What a RDR_to_PC_DataBlock says.
    enum Answer: Equatable {
        /// The command went through; the data (an APDU response: body + SW1 SW2).
        case data([UInt8])
        /// No card on the reader (ICC status "not present", or the command failed with a mute card).
        case noCard
    }

    /// Parses a reader's answer to the message with `sequence`.
    static func parseDataBlock(_ bytes: [UInt8], sequence: UInt8) throws(CardCodeProblem) -> Answer {
        guard bytes.count >= headerLength else { throw .malformedReport("CCID answer of \(bytes.count) bytes, shorter than its header") }
        guard bytes[0] == dataBlock else { throw .malformedReport("CCID answer of type 0x\(String(bytes[0], radix: 16)), expected a data block") }
        guard bytes[6] == sequence else { throw .malformedReport("CCID answer out of sequence") }
        let length = Int(bytes[1]) | Int(bytes[2]) << 8 | Int(bytes[3]) << 16 | Int(bytes[4]) << 24
        guard length <= bytes.count - headerLength else {
            throw .malformedReport("CCID answer announces \(length) data bytes, carries \(bytes.count - headerLength)")
        }
        let status = bytes[7]
        if status & 0x03 == 0x02 { return .noCard }            // bmICCStatus: no ICC present
        if status >> 6 == 0x01 { return .noCard }              // bmCommandStatus: failed (e.g. ICC mute)
        return .data(Array(bytes[headerLength..<headerLength + length]))
    }
}
