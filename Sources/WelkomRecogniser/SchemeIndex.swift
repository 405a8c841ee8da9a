import WelkomCore

/// One identifier scheme's lookup table: identifier → customer slot, for active consents only.
///
/// Each index owns its reverse map (slot → what it added), so `remove(slot:)` takes out exactly
/// what `add` put in and nothing is kept in sync by hand elsewhere. The slot table (`SlotTable`)
/// says which slots are live; an index only answers "whose identifier is this", and the
/// recogniser checks the answer against the slot table. A new scheme is one new index; the
/// recogniser lists its indexes once in `Recogniser`'s "every index" places.
protocol SchemeIndex: Sendable {
    /// What a match of this index is reported as.
    static var scheme: Scheme { get }

    /// Takes this consent's identifiers of the scheme, if it has any, for `slot` (one consent per
    /// slot: the slot was released, or never used, before).
    mutating func add(_ consent: ConsentKeys, slot: UInt32)

    /// Forgets every identifier of `slot` (withdrawal, expiry or replacement), key material included.
    mutating func remove(slot: UInt32)

    /// The slot whose identifier this sighting carries, if any; nil at once for a sighting of
    /// another scheme. Hot path: no allocation, no copy of the index.
    mutating func lookup(_ sighting: Sighting, nowMs: Int64) -> UInt32?

    /// Bytes held (capacities, not counts).
    var memoryBytes: Int { get }
}
