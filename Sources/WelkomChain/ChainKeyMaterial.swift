import Foundation
import WelkomCore
import WelkomRegistry

/// What of an enrolment is sealed under the chain key: every identifier, card numbers included
/// (normalised). Why numbers and not pseudonyms: each gateway keys its card pseudonyms with its own
/// pepper (DATA/card-pepper.key), so it must derive them itself; sealed, the number is as unreadable
/// to the database as the pepper-keyed pseudonym would be.
struct ChainKeyMaterial: Codable, Sendable, Equatable {
    struct EID: Codable, Sendable, Equatable {
        var key: String
        var exponent: UInt8
        var epoch: Int64
    }
    var beaconKey: String?
    var cards: [String]
    var eid: EID?
    var irk: String?
    var statics: [String]

    init(beaconKey: String?, cards: [String], eid: EID?, irk: String?, statics: [String]) {
        self.beaconKey = beaconKey
        self.cards = cards
        self.eid = eid
        self.irk = irk
        self.statics = statics
    }

    init(_ e: Enrolment) {
        beaconKey = e.beaconKey?.hex
        cards = e.cards
        eid = e.eid.map { EID(key: $0.identityKey.hex, exponent: $0.exponent, epoch: $0.epoch) }
        irk = e.irk?.hex
        statics = e.staticIdentifiers.map(\.canonical)
    }

    func sealed(with key: ChainKey, customer: CustomerID) throws -> [UInt8] {
        try key.seal(Array(try JSONEncoder().encode(self)), context: "consent:" + customer)
    }

    static func open(_ sealed: [UInt8], with key: ChainKey, customer: CustomerID) throws -> ChainKeyMaterial {
        do {
            let json = try key.open(sealed, context: "consent:" + customer)
            if let m = ChainKeyMaterialReader.read(json) { return m }
            return try JSONDecoder().decode(ChainKeyMaterial.self, from: Data(json))
        } catch {
            throw ChainError.consent("the key material of \(FieldLimits.escapingControls(customer)) does not open with this chain key")
        }
    }

    /// Every identifier's fingerprint with what it is, for the one-owner check.
    static func fingerprints(_ e: Enrolment, key: ChainKey) -> [(fingerprint: [UInt8], what: String)] {
        var result: [([UInt8], String)] = []
        if let k = e.beaconKey { result.append((key.fingerprint(kind: "wlk1", value: k.bytes), "beacon key")) }
        if let eid = e.eid { result.append((key.fingerprint(kind: "eid", value: eid.identityKey.bytes), "EID key")) }
        if let irk = e.irk { result.append((key.fingerprint(kind: "irk", value: irk.bytes), "IRK")) }
        for (i, s) in e.staticIdentifiers.enumerated() {
            result.append((key.fingerprint(kind: "static", value: Array(s.canonical.utf8)), "static identifier \(i + 1)"))
        }
        for (i, c) in e.cards.enumerated() {
            result.append((key.fingerprint(kind: "card", value: Array(c.utf8)), "card \(i + 1)"))
        }
        return result
    }
}
