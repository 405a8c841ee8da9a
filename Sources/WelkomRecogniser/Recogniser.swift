import WelkomCore
import WelkomIdentifiers
import struct Foundation.Date

/// The matching core: "which opted-in customer, if any, is this sighting?" — in constant time,
/// with no I/O. It holds precomputed lookup tables built only from active consents, so a
/// stranger's identifier is never stored: it is looked up, misses, and is gone.
///
/// - WLK1: a hash table from token to customer for every window in `centre ± skew`. When the
///   sightings' clock enters a new window the table rolls: the window that fell out is removed
///   and only the window that came in is computed (`roll(to:)`).
/// - Cards: a hash table from the keyed pseudonym (HMAC with the store's pepper) to customer.
///
/// The agent owns one recogniser and rebuilds it (`load`) whenever the registry changes.
public struct Recogniser: Sendable {
    public private(set) var settings: RecogniserSettings
    private let pepper: [UInt8]

    private struct Customer: Sendable {
        var id: CustomerID
        var tokenKey: Block128?
        var expires: Date?
    }

    private var customers: [Customer] = []
    /// token → index into `customers`, for the windows in `windowRange`.
    private var tokens: [Block128: Int32] = [:]
    /// The tokens each window added, so that a window can be dropped without a scan.
    private var tokensByWindow: [UInt32: [Block128]] = [:]
    private var cards: [[UInt8]: Int32] = [:]
    /// The window the table is centred on; nil until the first sighting or `roll`.
    public private(set) var centreWindow: UInt32?

    public init(settings: RecogniserSettings, pepper: [UInt8]) {
        self.settings = settings
        self.pepper = pepper
    }

    /// How many customers the tables hold (0 while recognition is off).
    public var customerCount: Int { customers.count }

    /// Replaces the tables with these consents. While recognition is disabled nothing is loaded.
    public mutating func load(_ consents: [ConsentKeys], at time: Date) {
        customers = []
        tokens = [:]
        tokensByWindow = [:]
        cards = [:]
        guard settings.enabled else { return }
        customers.reserveCapacity(consents.count)
        for consent in consents {
            let index = Int32(customers.count)
            customers.append(Customer(
                id: consent.customer,
                tokenKey: consent.beaconKey.map { WLK1.tokenKey(beaconKey: $0) },
                expires: consent.expires))
            for pseudonym in consent.cardPseudonyms { cards[pseudonym] = index }
        }
        let centre = centreWindow ?? WLK1.window(at: time)
        centreWindow = nil
        if let centre { roll(to: centre) }
    }

    /// Centres the WLK1 table on `window`, computing only the windows that were not there yet.
    public mutating func roll(to window: UInt32) {
        guard settings.enabled else { return }
        let skew = UInt32(settings.skewWindows)
        let low = window >= skew ? window - skew : 0
        let high = window > UInt32.max - skew ? UInt32.max : window + skew
        for (w, list) in tokensByWindow where w < low || w > high {
            for token in list { tokens[token] = nil }
            tokensByWindow[w] = nil
        }
        for w in low...high where tokensByWindow[w] == nil {
            var list: [Block128] = []
            list.reserveCapacity(customers.count)
            for (index, customer) in customers.enumerated() {
                guard let key = customer.tokenKey else { continue }
                let token = WLK1.token(tokenKey: key, window: w)
                tokens[token] = Int32(index)
                list.append(token)
            }
            tokensByWindow[w] = list
        }
        centreWindow = window
    }

    /// The customer this sighting belongs to, if any. A sighting that matches nothing leaves
    /// nothing behind: the recogniser keeps no record of misses.
    public mutating func recognise(_ sighting: Sighting) -> Recognition? {
        guard settings.enabled else { return nil }
        let index: Int32?
        let scheme: Scheme
        switch sighting.evidence {
        case let .wlk1(companyID, token):
            guard companyID == settings.companyID, let window = WLK1.window(at: sighting.time) else { return nil }
            // The table is centred on the sightings' own clock (wall clock live, capture time in replay).
            if window != centreWindow { roll(to: window) }
            index = tokens[token]
            scheme = .wlk1
        case let .card(normalised):
            index = cards[CardPseudonym.compute(pepper: pepper, normalised: normalised)]
            scheme = .card
        case .eid, .staticIdentifier, .other:
            return nil
        }
        guard let index else { return nil }
        let customer = customers[Int(index)]
        if let expires = customer.expires, sighting.time >= expires { return nil }
        return Recognition(customer: customer.id, scheme: scheme, time: sighting.time,
                           till: sighting.till, rssi: sighting.rssi)
    }
}
