import WelkomCore
import WelkomIdentifiers

/// The `welkom-wlk1:` URI a new key travels in, from the desk's QR code to a phone app or a fob's
/// provisioning tool (firmware-notes/provisioning-wlk1.md):
///
///     welkom-wlk1:<32 hex digits of the beacon key>?company=<4 hex digits>&window=600
///
/// `company` is the company ID the gateway listens for (`recognition.company_id`), `window` the
/// WLK1 window length in seconds (docs/identifiers.md).
struct WLK1URI: Equatable {
    var key: Block128
    var companyID: UInt16

    var text: String {
        let company = String(companyID, radix: 16)
        return "welkom-wlk1:\(key.hex)?company=\(String(repeating: "0", count: 4 - company.count) + company)&window=\(WLK1.windowSeconds)"
    }
}
