import Crypto
import Foundation
import WelkomCore

/// A signed statement "the ledger held `treeSize` entries with root `root` at `time`".
/// Written every `ledger.checkpoint_interval_seconds` and when the agent stops; shipping them
/// off the gateway (or printing them) is what lets an outsider hold the log to its past.
///
/// The signed text follows the shape of C2SP's tlog checkpoints (origin, size, base64 root),
/// with the time as a fourth line:
///
///     welkom-ledger/v1
///     <tree size, decimal>
///     <root, base64>
///     <time, milliseconds since 1970 UTC, decimal>
///
/// (each line ends in "\n"), signed with Ed25519.
public struct LedgerCheckpoint: Sendable, Equatable {
    public static let origin = "welkom-ledger/v1"

    /// Row number in the checkpoint table, from 1.
    public var id: Int64
    public var treeSize: UInt64
    public var root: [UInt8]
    public var timeMilliseconds: Int64
    /// Ed25519 public key (32 bytes) the signature claims.
    public var publicKey: [UInt8]
    public var signature: [UInt8]

    public init(id: Int64, treeSize: UInt64, root: [UInt8], timeMilliseconds: Int64, publicKey: [UInt8], signature: [UInt8]) {
        self.id = id
        self.treeSize = treeSize
        self.root = root
        self.timeMilliseconds = timeMilliseconds
        self.publicKey = publicKey
        self.signature = signature
    }

    public static func signedText(treeSize: UInt64, root: [UInt8], timeMilliseconds: Int64) -> String {
        "\(origin)\n\(treeSize)\n\(Data(root).base64EncodedString())\n\(timeMilliseconds)\n"
    }

    public var signedText: String {
        Self.signedText(treeSize: treeSize, root: root, timeMilliseconds: timeMilliseconds)
    }

    /// Whether the signature is valid for this checkpoint's text under `publicKey`.
    public func isValidlySigned(by key: [UInt8]) -> Bool {
        guard let pk = try? Curve25519.Signing.PublicKey(rawRepresentation: key) else { return false }
        return pk.isValidSignature(signature, for: Data(signedText.utf8))
    }

    /// One JSON object: what `audit export --checkpoint` and the DSAR package print.
    public var json: String {
        "{\"checkpoint\":\(id),\"tree_size\":\(treeSize),\"root\":\"\(Hex.encode(root))\","
            + "\"time\":\"\(LedgerTime.rfc3339(milliseconds: timeMilliseconds))\",\"time_ms\":\(timeMilliseconds),"
            + "\"public_key\":\"\(Hex.encode(publicKey))\",\"signature\":\"\(Hex.encode(signature))\","
            + "\"signed_text\":\(LedgerJSONLine.quoted(signedText))}"
    }
}
