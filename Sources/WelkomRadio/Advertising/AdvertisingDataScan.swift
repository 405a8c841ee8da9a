import WelkomCore

/// What one pass over an advertisement's AD structures found: the evidence it carries, and
/// where (if anywhere) a structure overran the data.
public struct AdvertisingDataScan: Sendable {
    public var evidence: Evidence
    public var overrun: AdvertisingDataError?

    @inlinable
    public init(evidence: Evidence, overrun: AdvertisingDataError?) {
        self.evidence = evidence
        self.overrun = overrun
    }
}
