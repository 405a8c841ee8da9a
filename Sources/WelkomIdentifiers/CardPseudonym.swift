import Crypto

/// The only form in which a card number is ever kept (docs/identifiers.md, loyalty cards):
///     cardPseudonym = HMAC-SHA256(key: pepper, message: UTF-8 of the normalised number).
/// The pepper (32 random bytes) lives in a key file outside the database: an unkeyed hash of a
/// 13-digit number is reversed by brute force in minutes.
public enum CardPseudonym {
    public static let pepperLength = 32

    public static func compute(pepper: [UInt8], normalised: String) -> [UInt8] {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(normalised.utf8), using: SymmetricKey(data: pepper))
        return Array(mac)
    }
}
