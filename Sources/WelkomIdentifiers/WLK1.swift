import Crypto
import WelkomCore
import struct Foundation.Date

/// The WLK1 rotating token (docs/identifiers.md, WLK1).
///
/// A customer's app or fob holds a random 16-byte beacon key; every 10 minutes it broadcasts
///     token = AES-128(tokenKey, "WLK1" ‖ 00×8 ‖ uint32_be(window)),
///     tokenKey = HKDF-SHA256(IKM: beaconKey, salt: empty, info: "WLK1-TK", L: 16),
///     window = floor(unixSeconds / 600).
/// Without the beacon key nobody can link two tokens of one customer.
public enum WLK1 {
    public static let windowSeconds: Int64 = 600

    /// The window a moment falls in. Times before 1970 or after 2^32 windows have no window.
    public static func window(at time: Date) -> UInt32? {
        let seconds = time.timeIntervalSince1970
        guard seconds >= 0, seconds.isFinite else { return nil }
        let w = Int64(seconds.rounded(.down)) / windowSeconds
        return UInt32(exactly: w)
    }

    public static func tokenKey(beaconKey: Block128) -> Block128 {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: beaconKey.bytes),
            salt: [UInt8](),
            info: Array("WLK1-TK".utf8),
            outputByteCount: 16)
        return derived.withUnsafeBytes { Block128(bytes: Array($0))! }
    }

    /// The plaintext block for a window: "WLK1", eight zero bytes, the window big-endian.
    public static func plaintext(window: UInt32) -> Block128 {
        // "WLK1" = 57 4C 4B 31 in the top four bytes of `hi`.
        Block128(hi: 0x574C_4B31_0000_0000, lo: UInt64(window))
    }

    public static func token(tokenKey: Block128, window: UInt32) -> Block128 {
        AES128.encrypt(plaintext(window: window), key: tokenKey)
    }

    public static func token(beaconKey: Block128, at time: Date) -> Block128? {
        guard let w = window(at: time) else { return nil }
        return token(tokenKey: tokenKey(beaconKey: beaconKey), window: w)
    }
}
