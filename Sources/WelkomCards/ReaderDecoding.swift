import WelkomIdentifiers

/// For the fuzzer (Fuzz/) only: the readers' report decoders are internal to their sources, and
/// these run them over raw bytes as a device would deliver them, so that libFuzzer can reach them
/// without a device. What comes out is what the source would pass on to `CardNumber`.
public enum ReaderDecoding {
    /// What a decoder made of one input.
    public enum Output: Equatable, Sendable {
        case code([UInt8])
        case problem
    }

    /// HID boot keyboard reports (8 bytes each, a short last one included) through the
    /// keyboard-wedge decoder in `layout`, then the inter-key gap that ends an unterminated code.
    public static func keyboardReports(_ bytes: [UInt8], layout: KeyboardLayout, limit: Int) -> [Output] {
        var decoder = KeystrokeDecoder(layout: layout, limit: limit)
        var out: [Output] = []
        func add(_ event: KeystrokeDecoder.Event?) {
            switch event {
            case .code(let text)?: out.append(.code(Array(text.utf8)))
            case .tooLong?, .unmappedKey?: out.append(.problem)
            case nil: break
            }
        }
        var i = 0
        while i < bytes.count {
            decoder.bootReport(bytes[i..<min(i + 8, bytes.count)]).forEach(add)
            i += 8
        }
        add(decoder.endOfCode())
        return out
    }

    /// HID-POS scanned-data reports (`reports`, one per interrupt transfer) through the assembler;
    /// a continuation that never comes is discarded as the source does after its timeout.
    public static func hidPOSReports(_ reports: [[UInt8]], limit: Int) -> [Output] {
        var assembler = HIDPOSAssembler(limit: limit)
        var out: [Output] = []
        for report in reports {
            switch assembler.feed(report) {
            case .code(let code)?: out.append(.code(code))
            case .problem?: out.append(.problem)
            case nil: break
            }
        }
        _ = assembler.discardPartial()
        return out
    }

    /// A CCID answer to the message with `sequence`: the APDU response, an empty array for
    /// "no card", or nil when the answer is malformed.
    public static func ccidDataBlock(_ bytes: [UInt8], sequence: UInt8) -> [UInt8]? {
        switch try? CCIDMessage.parseDataBlock(bytes, sequence: sequence) {
        case .data(let data)?: data
        case .noCard?: []
        case nil: nil
        }
    }

    /// A serial scanner's byte stream cut into lines, as `SerialScannerSource` does.
    public static func serialLines(_ bytes: [UInt8], limit: Int) -> [Output] {
        var splitter = LineSplitter(limit: limit)
        return splitter.feed(bytes).map {
            switch $0 {
            case .line(let line): .code(line)
            case .tooLong: .problem
            }
        }
    }
}
