/// Reads the JSON that `ChainKeyMaterial` is sealed as, without Foundation's JSONDecoder.
///
/// Why by hand: a store's initial load opens every consent's key material, and JSONDecoder took
/// about 10 µs a consent here — ten of the seconds a million-consent load had. This reads the one
/// shape JSONEncoder writes for it (an object of the five known keys in any order, strings
/// without escapes, integers) and returns nil for anything else — an escape, an unknown key, a
/// null where a list belongs, a malformed text — so that JSONDecoder decides those, with its
/// errors. It never accepts what JSONDecoder would refuse.
enum ChainKeyMaterialReader {
    static func read(_ bytes: [UInt8]) -> ChainKeyMaterial? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = Cursor(bytes: buffer)
            return reader.material()
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func material() -> ChainKeyMaterial? {
            var beaconKey: String?, irk: String?, eid: ChainKeyMaterial.EID?
            var cards: [String]?, statics: [String]?
            var seen: UInt8 = 0
            guard take(UInt8(ascii: "{")) else { return nil }
            if !take(UInt8(ascii: "}")) {
                repeat {
                    guard let name = string(), take(UInt8(ascii: ":")) else { return nil }
                    // A key twice: JSONDecoder's call which one counts.
                    let bit: UInt8 = switch name {
                    case "beaconKey": 1
                    case "irk": 2
                    case "cards": 4
                    case "statics": 8
                    case "eid": 16
                    default: 0
                    }
                    guard bit != 0, seen & bit == 0 else { return nil }
                    seen |= bit
                    switch name {
                    case "beaconKey": guard let v = optionalString() else { return nil }; beaconKey = v
                    case "irk": guard let v = optionalString() else { return nil }; irk = v
                    case "cards": guard let v = strings() else { return nil }; cards = v
                    case "statics": guard let v = strings() else { return nil }; statics = v
                    case "eid":
                        if takeNull() { eid = nil } else { guard let v = eidObject() else { return nil }; eid = v }
                    default: return nil
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            skipSpace()
            guard at == bytes.count, let cards, let statics else { return nil }
            return ChainKeyMaterial(beaconKey: beaconKey, cards: cards, eid: eid, irk: irk, statics: statics)
        }

        private mutating func eidObject() -> ChainKeyMaterial.EID? {
            var key: String?, exponent: Int64?, epoch: Int64?
            guard take(UInt8(ascii: "{")) else { return nil }
            repeat {
                guard let name = string(), take(UInt8(ascii: ":")) else { return nil }
                switch name {
                case "key" where key == nil: guard let v = string() else { return nil }; key = v
                case "exponent" where exponent == nil: guard let v = integer() else { return nil }; exponent = v
                case "epoch" where epoch == nil: guard let v = integer() else { return nil }; epoch = v
                default: return nil
                }
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")), let key, let exponent, let e = UInt8(exactly: exponent), let epoch else { return nil }
            return ChainKeyMaterial.EID(key: key, exponent: e, epoch: epoch)
        }

        /// A string or null, as `String??`: nil when neither.
        private mutating func optionalString() -> String?? {
            if takeNull() { return .some(nil) }
            return string().map { .some($0) }
        }

        private mutating func strings() -> [String]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var result: [String] = []
            if take(UInt8(ascii: "]")) { return result }
            repeat {
                guard let s = string() else { return nil }
                result.append(s)
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]")) ? result : nil
        }

        /// A string of printable ASCII without escapes; nil otherwise (JSONDecoder reads the rest).
        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = at
            while at < bytes.count {
                let b = bytes[at]
                if b == UInt8(ascii: "\"") {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
                    at += 1
                    return s
                }
                guard b >= 0x20, b < 0x7f, b != UInt8(ascii: "\\") else { return nil }
                at += 1
            }
            return nil
        }

        /// An integer without fraction or exponent, within Int64.
        private mutating func integer() -> Int64? {
            skipSpace()
            var negative = false
            if at < bytes.count, bytes[at] == UInt8(ascii: "-") { negative = true; at += 1 }
            let start = at
            var value: Int64 = 0
            while at < bytes.count, (0x30...0x39).contains(bytes[at]) {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let d = Int64(bytes[at] - 0x30)
                let (r, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
                guard !o1, !o2 else { return nil }
                value = r
                at += 1
            }
            // No digits, a leading zero before more digits, or a fraction/exponent: not ours.
            guard at > start, !(bytes[start] == 0x30 && at - start > 1) else { return nil }
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") || bytes[at] | 0x20 == UInt8(ascii: "e") { return nil }
            return value
        }

        private mutating func takeNull() -> Bool {
            skipSpace()
            guard bytes.count - at >= 4, bytes[at] == UInt8(ascii: "n"), bytes[at + 1] == UInt8(ascii: "u"),
                  bytes[at + 2] == UInt8(ascii: "l"), bytes[at + 3] == UInt8(ascii: "l") else { return false }
            at += 4
            return true
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        private mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0a || bytes[at] == 0x0d || bytes[at] == 0x09 { at += 1 }
        }
    }
}
