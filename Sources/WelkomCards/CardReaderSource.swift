import WelkomCore

/// Every card reader kind (serial, hid-keyboard, hid-pos, acr122u, evdev) as the agent sees it:
/// aggregate counts for metrics, and a run loop that hands each loyalty card over and hears back
/// whether it was recognised (for readers that can signal it to the customer).
public protocol CardReaderSource: Sendable {
    /// "hid-keyboard 05e0:1200", "evdev /dev/input/event7": for logs and `welkom doctor`.
    var readerName: String { get }
    /// The till this reader stands at.
    var till: TillID { get }
    /// Aggregate counts so far; safe to read from any task while `run` runs.
    var stats: ReaderStats { get }
    /// Reads until the calling task is cancelled. `onCard` is awaited for each loyalty card, in
    /// order. Throws only for a configuration the reader can never run with; a missing or
    /// vanishing device is waited for and reopened.
    func run(onCard: @escaping @Sendable (Sighting) async -> ReaderVerdict) async throws
}
