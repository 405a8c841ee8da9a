import ArgumentParser
import Foundation
import WelkomCore
import WelkomIdentifiers

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Compute a WLK1 token and its advertising payload, for app and fob makers.",
        discussion: "Line 1: the WLK1 token (32 hex digits). Line 2: the advertising payload (hex).")

    @Option(name: .customLong("beacon-key"), help: ArgumentHelp("The customer's beacon key, 32 hex digits.", valueName: "HEX"))
    var beaconKey: String
    @Option(help: ArgumentHelp("Unix time (default: now).", valueName: "UNIX")) var at: Int64?
    @Option(help: ArgumentHelp("Company ID in hex (default FFFF, for testing only).", valueName: "HEX")) var company: String = "FFFF"

    func validate() throws {
        guard Block128(hex: beaconKey) != nil else { throw ValidationError("--beacon-key must be 32 hex digits") }
        guard parsedCompany != nil else { throw ValidationError("--company must be a hex number 0…FFFF") }
        if let at, at < 0 { throw ValidationError("--at must be a Unix time ≥ 0") }
    }

    var parsedCompany: UInt16? {
        UInt16(company.hasPrefix("0x") || company.hasPrefix("0X") ? String(company.dropFirst(2)) : company, radix: 16)
    }

    func run() throws {
        let time = at.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date()
        guard let token = WLK1.token(beaconKey: Block128(hex: beaconKey)!, at: time) else {
            throw ValidationError("--at is outside the range of WLK1 windows")
        }
        print(token.hex)
        print(Hex.encode(WLK1Frame.advertisingPayload(token: token, companyID: parsedCompany!)))
    }
}
