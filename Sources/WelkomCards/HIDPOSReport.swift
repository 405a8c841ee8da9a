import WelkomIdentifiers

/// A HID point-of-sale scanner's scanned-data report (HID usage page 0x8C, "Bar Code Scanner"),
/// in the 64-byte layout these scanners use for their input report:
///
///     [0]      report ID 0x02 (scanned data; other IDs are status reports, ignored)
///     [1]      n, the number of data bytes in this report
///     [2…4]    AIM symbology identifier, e.g. "]E0" (EAN-13), "]C0" (Code 128), "]Q1" (QR);
///              zeros when the scanner does not say
///     [5…]     n bytes of decoded data
///     [last]   bit 0 set: more data follows in the next report (a code longer than one report)
///
/// Decoded without any keyboard layout: the data are the code's bytes.
struct HIDPOSReport: Equatable {
    static let scannedDataID: UInt8 = 0x02
    static let headerLength = 5

    var symbology: [UInt8]
    var data: [UInt8]
    var continues: Bool

    /// Nil for reports that are not scanned data; throws for a scanned-data report whose
    /// length field does not fit the report.
    static func parse(_ report: [UInt8]) throws(CardCodeProblem) -> HIDPOSReport? {
        guard let id = report.first, id == scannedDataID else { return nil }
        guard report.count > headerLength else { throw .malformedReport("HID-POS report shorter than its header") }
        let n = Int(report[1])
        // The flags byte is the report's last; data must end before it.
        guard headerLength + n <= report.count - 1 else {
            throw .malformedReport("HID-POS data length \(n) exceeds the \(report.count)-byte report")
        }
        let aim = Array(report[2..<5])
        return HIDPOSReport(symbology: aim.allSatisfy { $0 == 0 } ? [] : aim,
                            data: Array(report[headerLength..<headerLength + n]),
                            continues: report[report.count - 1] & 0x01 != 0)
    }
}

/// Joins continued HID-POS reports into whole codes: the AIM identifier (when given, so that
/// `CardNumber` can check an EAN) followed by the data.
struct HIDPOSAssembler {
    let limit: Int
    private var pending: [UInt8] = []
    private var symbology: [UInt8] = []
    private var overflowing = false

    init(limit: Int = 512) { self.limit = limit }

    var hasPartial: Bool { !pending.isEmpty || overflowing }

    enum Event: Equatable {
        case code([UInt8])
        case problem(CardCodeProblem)
    }

    mutating func feed(_ report: [UInt8]) -> Event? {
        let parsed: HIDPOSReport?
        do { parsed = try HIDPOSReport.parse(report) } catch {
            clear()
            return .problem(error)
        }
        guard let parsed else { return nil }
        if pending.isEmpty, !overflowing { symbology = parsed.symbology }
        if !overflowing {
            pending.append(contentsOf: parsed.data)
            if pending.count > limit {
                // Reported once; the rest of this code's reports are skipped.
                clear()
                overflowing = parsed.continues
                return .problem(.lineTooLong(limit: limit))
            }
        }
        guard !parsed.continues else { return nil }
        if overflowing {
            clear()
            return nil
        }
        let code = symbology + pending
        clear()
        return .code(code)
    }

    /// Drops a code whose continuation never came; true when there was one.
    mutating func discardPartial() -> Bool {
        let had = !pending.isEmpty
        clear()
        return had
    }

    private mutating func clear() {
        for i in pending.indices { pending[i] = 0 }
        pending.removeAll(keepingCapacity: true)
        symbology = []
        overflowing = false
    }
}
