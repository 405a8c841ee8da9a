import Crypto
import _CryptoExtras
import WelkomCore

/// One AES-128 block encryption (the "AES-128-ECB" of the specs: every scheme encrypts
/// exactly one block). swift-crypto's block permutation does the work; the recogniser's
/// bulk precomputation goes through here too, so a faster core (issue 3) replaces only this.
public enum AES128 {
    public static func encrypt(_ block: Block128, key: Block128) -> Block128 {
        var bytes = block.bytes
        // permute only throws for a key that is not 128/192/256 bits; ours is always 128.
        do {
            try AES.permute(&bytes, key: SymmetricKey(data: key.bytes))
        } catch {
            fatalError("AES-128 with a 16-byte key cannot fail: \(error)")
        }
        return Block128(bytes: bytes)!
    }
}
