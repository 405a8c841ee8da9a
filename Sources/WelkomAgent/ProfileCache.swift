import WelkomCore

/// The profiles (scopes, name, language, note, tags) of customers recognised lately, so that a
/// customer seen ten times a second costs one registry read, not ten. The agent holds no one
/// else's: with a million customers enrolled, every profile in memory was half the agent's
/// resident memory and a third of its start.
///
/// Bounded: when full it is emptied and refills with whoever is recognised next (a shop floor
/// holds far fewer customers than `capacity`). A change to one customer (an enrolment, a
/// withdrawal) drops theirs (`forget`), any wider change empties it (`invalidateAll`), and a
/// read that began before a change is not kept (`generation`), so a cached profile is never
/// older than the tables it is used with.
struct ProfileCache: Sendable {
    let capacity: Int
    private var entries: [CustomerID: CustomerProfile] = [:]
    /// Bumped by every invalidation: a read started under an older generation is not stored.
    private(set) var generation: UInt64 = 0

    init(capacity: Int = 4_096) {
        self.capacity = max(1, capacity)
    }

    var count: Int { entries.count }

    func profile(of customer: CustomerID) -> CustomerProfile? { entries[customer] }

    /// Keeps a profile read from the registry, unless the registry changed since the read began.
    mutating func store(_ profile: CustomerProfile, readAt generation: UInt64) {
        guard generation == self.generation else { return }
        if entries.count >= capacity, entries[profile.customer] == nil { entries.removeAll(keepingCapacity: true) }
        entries[profile.customer] = profile
    }

    /// A withdrawal or an enrolment: their profile goes now, and a read in flight is not kept.
    mutating func forget(_ customer: CustomerID) {
        entries[customer] = nil
        generation &+= 1
    }

    /// Any wider change to the registry (a reload, an import, new recognition settings).
    mutating func invalidateAll() {
        entries.removeAll()
        generation &+= 1
    }
}
