/// How zones smooth and hold: the percentile filter's window, and the hysteresis that keeps a
/// customer from flickering between tills.
public struct ZoneTuning: Sendable, Equatable {
    /// Which percentile of the window's RSSI samples estimates the signal (0–100). Above the
    /// median on purpose: fading only ever pulls RSSI down, so an upper percentile tracks the
    /// unfaded level (see `RSSIWindow`).
    public var percentile: Double
    /// How far back samples count, in seconds; also how soon a receiver that stopped hearing the
    /// customer stops counting.
    public var windowSeconds: Double
    /// A zone is entered only with the smoothed RSSI this many dB inside its range, and taken
    /// over from another zone that still holds only when this many dB stronger.
    public var enterMarginDB: Double
    /// The current zone is kept until the smoothed RSSI is this many dB outside its range.
    public var leaveMarginDB: Double
    /// A change of zone (entering, switching, leaving) must be wanted this long without a break.
    public var dwellSeconds: Double

    public init(percentile: Double = 75, windowSeconds: Double = 2, enterMarginDB: Double = 3,
                leaveMarginDB: Double = 3, dwellSeconds: Double = 2) {
        self.percentile = percentile
        self.windowSeconds = windowSeconds
        self.enterMarginDB = enterMarginDB
        self.leaveMarginDB = leaveMarginDB
        self.dwellSeconds = dwellSeconds
    }
}
