import ArgumentParser
import Foundation
import WelkomCore
import WelkomIdentifiers

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Compute a WLK1 token and its advertising payload, or an Eddystone EID, for app and fob makers.",
        discussion: """
            With --beacon-key: line 1 the WLK1 token (32 hex digits), line 2 the advertising payload (hex).
            With --eid-key, --eid-exponent and --eid-epoch: line 1 the Eddystone EID (16 hex digits).
            """)

    @Option(name: .customLong("beacon-key"), help: ArgumentHelp("The customer's WLK1 beacon key, 32 hex digits.", valueName: "HEX"))
    var beaconKey: String?
    @Option(name: .customLong("eid-key"), help: ArgumentHelp("An Eddystone-EID identity key, 32 hex digits.", valueName: "HEX"))
    var eidKey: String?
    @Option(name: .customLong("eid-exponent"), help: ArgumentHelp("The EID rotation exponent K, 0…15.", valueName: "K"))
    var eidExponent: Int?
    @Option(name: .customLong("eid-epoch"), help: ArgumentHelp("Unix time at which the beacon's counter read 0.", valueName: "UNIX"))
    var eidEpoch: Int64?
    @Option(help: ArgumentHelp("Unix time (default: now).", valueName: "UNIX")) var at: Int64?
    @Option(help: ArgumentHelp("Company ID in hex (default FFFF, for testing only; WLK1 only).", valueName: "HEX"))
    var company: String = "FFFF"

    func validate() throws {
        let eidGiven = eidKey != nil || eidExponent != nil || eidEpoch != nil
        guard (beaconKey != nil) != eidGiven else {
            throw ValidationError("give either --beacon-key, or --eid-key with --eid-exponent and --eid-epoch")
        }
        if let beaconKey, Block128(hex: beaconKey) == nil { throw ValidationError("--beacon-key must be 32 hex digits") }
        if eidGiven {
            guard let eidKey, Block128(hex: eidKey) != nil else { throw ValidationError("--eid-key must be 32 hex digits") }
            guard let eidExponent, (0...15).contains(eidExponent) else { throw ValidationError("--eid-exponent must be 0…15") }
            guard eidEpoch != nil else { throw ValidationError("--eid-epoch is required with --eid-key") }
        }
        guard parsedCompany != nil else { throw ValidationError("--company must be a hex number 0…FFFF") }
        if let at, at < 0 { throw ValidationError("--at must be a Unix time ≥ 0") }
    }

    var parsedCompany: UInt16? {
        UInt16(company.hasPrefix("0x") || company.hasPrefix("0X") ? String(company.dropFirst(2)) : company, radix: 16)
    }

    func run() throws {
        let time = at.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date()
        if let eidKey, let key = Block128(hex: eidKey), let exponent = eidExponent.flatMap(UInt8.init(exactly:)), let eidEpoch {
            guard let eid = EddystoneEID.eid(EIDRegistration(identityKey: key, exponent: exponent, epoch: eidEpoch), at: time) else {
                throw ValidationError("--at lies before --eid-epoch or more than 2^32 seconds after it")
            }
            print(String(format: "%016llx", eid))
            return
        }
        guard let beaconKey, let key = Block128(hex: beaconKey), let company = parsedCompany else {
            throw ValidationError("--beacon-key must be 32 hex digits")
        }
        guard let token = WLK1.token(beaconKey: key, at: time) else {
            throw ValidationError("--at is outside the range of WLK1 windows")
        }
        print(token.hex)
        print(Hex.encode(WLK1Frame.advertisingPayload(token: token, companyID: company)))
    }
}
