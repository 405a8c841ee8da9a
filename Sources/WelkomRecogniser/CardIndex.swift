import WelkomCore
import WelkomIdentifiers

/// Loyalty cards: the keyed pseudonym of the card number → slot. The card number itself is
/// never stored; a scanned card is pseudonymised with the same pepper and looked up.
struct CardIndex: SchemeIndex {
    static var scheme: Scheme { .card }

    private let pepper: [UInt8]
    private var cards: [Block128: UInt32] = [:]
    private var bySlot: [UInt32: [Block128]] = [:]

    init(pepper: [UInt8]) { self.pepper = pepper }

    var memoryBytes: Int { MemoryFootprint.of(cards) + MemoryFootprint.of(bySlot) }

    mutating func add(_ consent: ConsentKeys, slot: UInt32) {
        var keys: [Block128] = []
        for p in consent.cardPseudonyms {
            guard let k = Block128(bytes: p.prefix(16)) else { continue }
            cards[k] = slot
            keys.append(k)
        }
        if !keys.isEmpty { bySlot[slot] = keys }
    }

    mutating func remove(slot: UInt32) {
        for k in bySlot.removeValue(forKey: slot) ?? [] where cards[k] == slot { cards[k] = nil }
    }

    mutating func lookup(_ sighting: Sighting, nowMs: Int64) -> UInt32? {
        guard case let .card(normalised) = sighting.evidence, !cards.isEmpty else { return nil }
        let p = CardPseudonym.compute(pepper: pepper, normalised: normalised)
        return Block128(bytes: p.prefix(16)).flatMap { cards[$0] }
    }
}
