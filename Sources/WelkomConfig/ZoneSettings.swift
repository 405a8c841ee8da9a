/// `[zones]` and `[[zone]]`: which receiver and RSSI range means "at till N", and how the
/// signal is smoothed and held (WelkomZones explains the filter and the hysteresis). Without any
/// `[[zone]]` the radio knows no tills: prompts go to the first till, as before zones existed.
public struct ZoneSettings: Sendable, Equatable {
    /// `percentile`: the RSSI percentile over the window that estimates the signal, 0–100. Default 75.
    public var percentile: Double
    /// `window_seconds`: how far back RSSI samples count, 0.2–30. Default 2.
    public var windowSeconds: Double
    /// `enter_margin_db`: how far inside a zone's range (and how much stronger than the current
    /// zone) the signal must be to enter it, 0–30. Default 3.
    public var enterMarginDB: Double
    /// `leave_margin_db`: how far outside its range the signal must fall to leave the current
    /// zone, 0–30. Default 3.
    public var leaveMarginDB: Double
    /// `dwell_seconds`: how long a change of zone must be wanted without a break, 0–60. Default 2.
    public var dwellSeconds: Double
    /// `[[zone]]`, in file order. None by default.
    public var zones: [ZoneEntry]

    public init(percentile: Double = 75, windowSeconds: Double = 2, enterMarginDB: Double = 3,
                leaveMarginDB: Double = 3, dwellSeconds: Double = 2, zones: [ZoneEntry] = []) {
        self.percentile = percentile
        self.windowSeconds = windowSeconds
        self.enterMarginDB = enterMarginDB
        self.leaveMarginDB = leaveMarginDB
        self.dwellSeconds = dwellSeconds
        self.zones = zones
    }
}

/// One `[[zone]]`.
public struct ZoneEntry: Sendable, Equatable {
    /// `till`: the `[[till]]` this zone sends prompts to. Required.
    public var till: String
    /// `receiver`: the receiver that must hear the customer (`[radio] name` or a
    /// `[[radio.receiver]]` name); "" = any receiver. Default "".
    public var receiver: String
    /// `rssi_min`, `rssi_max`: the smoothed RSSI range in dBm, -127…20. Defaults -127 and 20 (any).
    public var rssiMin: Int
    public var rssiMax: Int

    public static let rssiRange = -127...20

    public init(till: String, receiver: String = "", rssiMin: Int = -127, rssiMax: Int = 20) {
        self.till = till
        self.receiver = receiver
        self.rssiMin = rssiMin
        self.rssiMax = rssiMax
    }
}

extension ZoneSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        func number(_ key: String, _ range: ClosedRange<Double>) -> Double? {
            guard let v = s.number(key) else { return nil }
            guard range.contains(v) else {
                s.report(key, "must be between \(range.lowerBound) and \(range.upperBound), found \(v)")
                return nil
            }
            return v
        }
        if let v = number("percentile", 0...100) { percentile = v }
        if let v = number("window_seconds", 0.2...30) { windowSeconds = v }
        if let v = number("enter_margin_db", 0...30) { enterMarginDB = v }
        if let v = number("leave_margin_db", 0...30) { leaveMarginDB = v }
        if let v = number("dwell_seconds", 0...60) { dwellSeconds = v }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("zones")
        w.key("percentile", percentile)
        w.key("window_seconds", windowSeconds)
        w.key("enter_margin_db", enterMarginDB)
        w.key("leave_margin_db", leaveMarginDB)
        w.key("dwell_seconds", dwellSeconds)
        for zone in zones { zone.render(into: &w) }
    }
}

extension ZoneEntry {
    /// Nil when the zone cannot be used as written (the issues are logged). `tills` and
    /// `receivers`: the configured ids and names, or nil when those were wrong themselves.
    static func read(_ s: inout ConfigSection, tills: Set<String>?, receivers: Set<String>) -> ZoneEntry? {
        let till = s.string("till")
        let receiver = s.string("receiver") ?? ""
        let rssiMin = s.integer("rssi_min", in: rssiRange)
        let rssiMax = s.integer("rssi_max", in: rssiRange)
        s.finish()
        var usable = !(s.contains("rssi_min") && rssiMin == nil) && !(s.contains("rssi_max") && rssiMax == nil)
        if let till {
            if let tills, !tills.contains(till) {
                let known = tills.sorted().map { TOMLWriter.quoted($0) }.joined(separator: ", ")
                s.report("till", "\(TOMLWriter.quoted(till)) is not a configured till (configured: \(known))")
                usable = false
            }
        } else {
            if !s.contains("till") { s.report("till", "missing; every [[zone]] must name the [[till]] it stands for") }
            usable = false
        }
        if !receiver.isEmpty && !receivers.contains(receiver) {
            let known = receivers.sorted().map { TOMLWriter.quoted($0) }.joined(separator: ", ")
            s.report("receiver", "\(TOMLWriter.quoted(receiver)) is not a configured receiver (configured: \(known.isEmpty ? "none" : known)); \"\" means any")
            usable = false
        }
        let low = rssiMin ?? rssiRange.lowerBound, high = rssiMax ?? rssiRange.upperBound
        if low > high {
            s.report("rssi_max", "must not be below rssi_min (\(low)), found \(high)")
            usable = false
        }
        guard usable, let till else { return nil }
        return ZoneEntry(till: till, receiver: receiver, rssiMin: low, rssiMax: high)
    }

    func render(into w: inout TOMLWriter) {
        w.arrayTable("zone")
        w.key("till", till)
        w.key("receiver", receiver)
        w.key("rssi_min", rssiMin)
        w.key("rssi_max", rssiMax)
    }
}
