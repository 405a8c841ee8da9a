import Crypto
import Dispatch
import WelkomCore
import class Foundation.ProcessInfo

/// WLK1 token keys in bulk, for loading every enrolled customer at once (the agent's start).
///
/// The same HKDF-SHA256(IKM: beaconKey, salt: empty, info: "WLK1-TK", L: 16) as
/// `WLK1.tokenKey(beaconKey:)`, spelled out as its four HMAC-SHA256 hashes (RFC 5869 with one
/// output block): PRK = HMAC(salt, IKM), OKM = first 16 bytes of HMAC(PRK, info ‖ 0x01). Swift
/// Crypto's generic HKDF spent about 11 µs a key in SymmetricKey and SecureBytes handling — 11 s
/// of a start with 1,000,000 customers; here the empty salt's padded hash states are computed
/// once, every hash runs on Swift Crypto's SHA256 directly, and the keys are split over the cores.
public enum WLK1TokenKeys {
    /// The token key of each beacon key, in the same order.
    public static func derive(_ beaconKeys: [Block128]) -> [Block128] {
        let n = beaconKeys.count
        guard n > 0 else { return [] }
        // Small batches (an enrolment) are not worth a thread hand-off.
        let chunks = n < 2_048 ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount) * 4
        let perChunk = (n + chunks - 1) / chunks
        return [Block128](unsafeUninitializedCapacity: n) { out, initialised in
            beaconKeys.withUnsafeBufferPointer { keys in
                let buffers = Buffers(keys: keys, out: out.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let deriver = Deriver()
                    let start = chunk * perChunk, end = min(n, start + perChunk)
                    guard start < end else { return }
                    for i in start..<end { (buffers.out + i).initialize(to: deriver.tokenKey(buffers.keys[i])) }
                }
            }
            initialised = n
        }
    }

    /// `derive` on other threads, started now, so the caller can do other work meanwhile (the
    /// recogniser fills its slot table while the keys are derived).
    public final class Background: @unchecked Sendable {
        // Written once by the worker before `done` is signalled, read only after waiting for it.
        private var result: [Block128] = []
        private let done = DispatchSemaphore(value: 0)

        public init(_ beaconKeys: [Block128]) {
            DispatchQueue.global().async { [self] in
                result = WLK1TokenKeys.derive(beaconKeys)
                done.signal()
            }
        }

        /// Waits for the keys (once).
        public func wait() -> [Block128] {
            done.wait()
            defer { result = [] }
            return result
        }
    }

    /// The input and output, shared by the worker threads: each writes only its own chunk's range,
    /// and `concurrentPerform` returns only when all are done.
    private struct Buffers: @unchecked Sendable {
        let keys: UnsafeBufferPointer<Block128>
        let out: UnsafeMutablePointer<Block128>
    }

    /// One thread's hash states: SHA256 is copy-on-write, so each copy starts from the shared
    /// state of the empty salt's padded key without hashing it again.
    struct Deriver {
        private static let ipad: UInt8 = 0x36, opad: UInt8 = 0x5C
        private static let info: [UInt8] = Array("WLK1-TK".utf8) + [0x01]
        private let saltInner: SHA256
        private let saltOuter: SHA256

        init() {
            // HMAC pads the (empty) salt with zeros to the 64-byte block.
            var inner = SHA256(), outer = SHA256()
            let ipad = [UInt8](repeating: Self.ipad, count: 64), opad = [UInt8](repeating: Self.opad, count: 64)
            ipad.withUnsafeBytes { inner.update(bufferPointer: $0) }
            opad.withUnsafeBytes { outer.update(bufferPointer: $0) }
            saltInner = inner
            saltOuter = outer
        }

        func tokenKey(_ beaconKey: Block128) -> Block128 {
            // Extract: PRK = HMAC(salt, IKM).
            var ikm = beaconKey.wire
            var inner = saltInner
            withUnsafeBytes(of: &ikm) { inner.update(bufferPointer: $0) }
            ikm = Wire128()
            let innerDigest = inner.finalize()
            var outer = saltOuter
            innerDigest.withUnsafeBytes { outer.update(bufferPointer: $0) }
            let prk = outer.finalize()
            // Expand, one block: T(1) = HMAC(PRK, info ‖ 0x01); the PRK (32 bytes) is the key,
            // padded with zeros to 64.
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { pad in
                pad.initialize(repeating: Self.ipad)
                prk.withUnsafeBytes { p in for j in 0..<p.count { pad[j] ^= p[j] } }
                var expandInner = SHA256()
                expandInner.update(bufferPointer: UnsafeRawBufferPointer(pad))
                Self.info.withUnsafeBytes { expandInner.update(bufferPointer: $0) }
                let t = expandInner.finalize()
                for j in 0..<64 { pad[j] ^= Self.ipad ^ Self.opad }
                var expandOuter = SHA256()
                expandOuter.update(bufferPointer: UnsafeRawBufferPointer(pad))
                t.withUnsafeBytes { expandOuter.update(bufferPointer: $0) }
                pad.update(repeating: 0)
                return expandOuter.finalize().withUnsafeBytes { okm in
                    Block128(hi: UInt64(bigEndian: okm.loadUnaligned(as: UInt64.self)),
                             lo: UInt64(bigEndian: okm.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
                }
            }
        }
    }
}
