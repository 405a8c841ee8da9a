import WelkomCore
import struct Foundation.TimeInterval

/// One enrolled customer of the simulated store and the walk they repeat: in through the door,
/// to a till, out again.
struct DemoCustomer: Sendable {
    var id: CustomerID
    var name: String
    var language: Language
    var scopes: Set<Scope>
    var beaconKey: Block128?
    var card: String?
    /// Seconds into each cycle at which they reach their till.
    var arrives: TimeInterval
    var till: TillID
    /// The staff note (shown under `notes`) and the offer tags (used under `offers`).
    var note: String? = nil
    var tags: Set<String> = []

    static let all: [DemoCustomer] = [
        DemoCustomer(id: "demo-anna", name: "Anna", language: .nl, scopes: [.greeting, .name],
                     beaconKey: Block128(hex: "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")!, card: nil, arrives: 3, till: "1"),
        // Ben allowed a greeting but not his name: staff see "Welcome back — regular customer".
        // He also allowed offers: the demo's coffee offer targets his "coffee" tag.
        DemoCustomer(id: "demo-ben", name: "Ben", language: .en, scopes: [.greeting, .offers],
                     beaconKey: Block128(hex: "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf")!, card: nil, arrives: 8, till: "2",
                     tags: ["coffee"]),
        // Chloé has no app: her loyalty card is scanned at till 2.
        // She allowed a staff note: the seed's complaint, answered.
        DemoCustomer(id: "demo-chloe", name: "Chloé", language: .nl, scopes: [.greeting, .name, .notes],
                     beaconKey: nil, card: "4006381333931", arrives: 13, till: "2",
                     note: "Liever niet naar Air Miles vragen"),
    ]
}
