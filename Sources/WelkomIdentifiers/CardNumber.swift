import WelkomCore

/// Turns what a card reader delivers into a normalised loyalty card number
/// (docs/identifiers.md, loyalty cards), a payment card to drop, or a reason to reject it.
///
/// Pure and total: any input gives an answer, and a rejection never repeats the input.
///
/// Rules, in the order they are applied to one line:
/// 1. A trailing CR/LF and surrounding spaces are removed; nothing left → invalid.
/// 2. Any control character → invalid (a scanner sends printable codes; anything else is line
///    noise, and GS1 separators would be lost by "digits alone" anyway).
/// 3. A payment card anywhere in the line → `.paymentCard`, whatever its framing:
///    - a Luhn-valid PAN of 13–19 digits followed by `=` and a track-2 expiry (4 digits or `=`)
///      and 3-digit service code, or a track-1 `B` + Luhn-valid PAN of 13–19 digits + `^`
///      (any brand: a service code is a payment card's signature);
///    - a run of digits, alone or in groups joined by single spaces or dashes (`4111 1111 1111
///      1111`, `4111-1111-…`), that is a brand's PAN (`PaymentCardRanges`: IIN range, length,
///      Luhn) — bare, or ended by a track's `=`, `^` or `?`, so a partial track counts too;
///    - and, after steps 4–7, a normalised number that is such a PAN (`4111.1111.…`).
///    Searched anywhere, not only at the start, so a stripe read glued to other bytes, or a
///    reader that strips sentinels, still cannot turn a payment card into a loyalty card.
///    Numbers starting with one of the retailer's `PaymentCardExemptions` are loyalty numbers.
/// 4. `;…?` (track 2) or `%…?` (track 1) → the digits of the PAN field.
/// 5. An AIM symbology identifier `]Xm` (scanners can prefix one) is removed; `]E` (EAN/UPC)
///    then demands a valid EAN-13 or EAN-8.
/// 6. All digits: 13 → EAN-13 and 8 → EAN-8, check digit verified; other lengths of 4–40 →
///    numeric barcode.
/// 7. Letters and digits (Code 128 text, QR payloads): the digits alone, as the spec says;
///    a code without digits → invalid.
public enum CardNumber {
    /// Fewer digits than this is no card number (also the shortest stripe PAN accepted).
    public static let minimumDigits = 4
    /// More digits than this is no card number.
    public static let maximumDigits = 40
    /// NFC UID sizes defined by ISO/IEC 14443-3 (single, double, triple size).
    public static let uidSizes: Set<Int> = [4, 7, 10]

    // MARK: Barcodes and stripes

    /// Classifies one line as a reader delivered it. `exempting` names the retailer's own
    /// number ranges that look like payment cards (`[cards] allow_prefixes`).
    public static func classify(_ raw: String, exempting exemptions: PaymentCardExemptions = .none) -> CardCode {
        let code = classifyFraming(raw, exemptions)
        // Whatever framing gave the number, a brand's PAN is never a loyalty number.
        if case .loyalty(let normalised, let symbology) = code, symbology != .nfcUID,
           isPayment(Array(normalised.unicodeScalars), exemptions) {
            return .paymentCard
        }
        return code
    }

    private static func classifyFraming(_ raw: String, _ exemptions: PaymentCardExemptions) -> CardCode {
        let all = Array(raw.unicodeScalars)
        var end = all.count
        while end > 0, all[end - 1] == "\r" || all[end - 1] == "\n" || all[end - 1] == " " { end -= 1 }
        var start = 0
        while start < end, all[start] == " " { start += 1 }
        guard start < end else { return .invalid(.emptyLine) }
        let line = Array(all[start..<end])

        if let i = line.firstIndex(where: isControl) {
            return .invalid(.controlCharacter(position: start + i + 1))
        }
        if containsPaymentCard(line, exemptions) { return .paymentCard }

        switch line[0] {
        case ";": return track2(line)
        case "%": return track1(line)
        default: break
        }

        var code = line[...]
        var ean = false
        if line.count >= 3, line[0] == "]" {
            // AIM identifier: ']' + symbology letter + modifier character. The modifier is
            // often a digit, which "digits alone" would otherwise glue onto the number.
            ean = line[1] == "E"
            code = line[3...]
        }
        let digits = code.filter(isDigit)
        // After an AIM prefix, whose modifier digit would otherwise hide the PAN behind it.
        if isPayment(digits, exemptions) { return .paymentCard }
        if ean {
            switch digits.count {
            case 13 where digits.count == code.count: return checked(digits, .ean13)
            case 8 where digits.count == code.count: return checked(digits, .ean8)
            default: return .invalid(.eanLength(digits: digits.count))
            }
        }
        if digits.isEmpty { return .invalid(.noDigits(length: code.count)) }
        if digits.count == code.count {
            if digits.count == 13 { return checked(digits, .ean13) }
            if digits.count == 8 { return checked(digits, .ean8) }
        }
        if let problem = lengthProblem(digits.count) { return .invalid(problem) }
        return .loyalty(normalised: string(digits), symbology: digits.count == code.count ? .numeric : .text)
    }

    /// Classifies one line of bytes: as `classify(_:)`, after checking the bytes are UTF-8
    /// (a serial line with noise or the wrong baud rate delivers bytes that are not).
    public static func classify(line bytes: some Collection<UInt8>,
                                exempting exemptions: PaymentCardExemptions = .none) -> CardCode {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var text = ""
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                text.unicodeScalars.append(scalar)
                offset += UTF8.width(scalar)
            case .emptyInput:
                return classify(text, exempting: exemptions)
            case .error:
                return .invalid(.notUTF8(position: offset + 1))
            }
        }
    }

    // MARK: Enrolment

    /// A card number as the back office writes it at enrolment: everything `classify(_:)`
    /// accepts, and NFC UIDs written "uid:" + hex (4, 7 or 10 bytes, either case), which no
    /// reader delivers as text. Kept apart from `classify` so a printed code reading "uid:…"
    /// can never pass for a tapped card.
    public static func enrolment(_ text: String, exempting exemptions: PaymentCardExemptions = .none) -> CardCode {
        let trimmed = Array(text.utf8).drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 }.reversed()
        guard String(decoding: trimmed.prefix(4), as: UTF8.self).lowercased() == "uid:" else {
            return classify(text, exempting: exemptions)
        }
        let hex = String(decoding: trimmed.dropFirst(4), as: UTF8.self)
        guard hex.utf8.count % 2 == 0, let bytes = Hex.decode(hex) else {
            return .invalid(.malformedReport("an NFC UID is \"uid:\" followed by pairs of hex digits"))
        }
        return normaliseNFC(uid: bytes)
    }

    // MARK: NFC

    /// An NFC card's UID: 4, 7 or 10 bytes → "uid:" + lowercase hex; other sizes are invalid.
    public static func normaliseNFC(uid: [UInt8]) -> CardCode {
        guard uidSizes.contains(uid.count) else { return .invalid(.uidLength(bytes: uid.count)) }
        return .loyalty(normalised: "uid:" + Hex.encode(uid), symbology: .nfcUID)
    }

    // MARK: Check digits

    /// The GS1 check digit of the first 12 digits of an EAN-13 (digit values 0…9, not ASCII).
    /// Weights 1, 3, 1, 3, … from the left; the same function checks EAN-8 given 7 digits,
    /// because GS1 weights count from the right (3 on the digit next to the check digit).
    /// Values above 9 are reduced modulo 10 rather than trapping: callers pass checked digits.
    public static func ean13CheckDigit(_ first12: some Collection<UInt8>) -> UInt8 {
        var sum = 0
        for (i, d) in first12.reversed().enumerated() {
            sum += Int(d % 10) * (i % 2 == 0 ? 3 : 1)
        }
        return UInt8((10 - sum % 10) % 10)
    }

    /// The Luhn (ISO/IEC 7812-1) check over a string of ASCII digits, check digit last.
    /// False for an empty string or any character that is not a digit.
    public static func luhnValid(_ digits: String) -> Bool {
        let values = digits.unicodeScalars.map { $0.value }
        guard !values.isEmpty, values.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        var sum = 0
        for (i, v) in values.reversed().enumerated() {
            var d = Int(v - 48)
            if i % 2 == 1 {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
        }
        return sum % 10 == 0
    }

    // MARK: Private

    private static func checked(_ digits: [Unicode.Scalar], _ symbology: CardSymbology) -> CardCode {
        let values = digits.map { UInt8($0.value - 48) }
        let expected = ean13CheckDigit(values.dropLast())
        let found = values[values.count - 1]
        guard found == expected else {
            return .invalid(.checkDigit(symbology: symbology, found: found, expected: expected))
        }
        return .loyalty(normalised: string(digits), symbology: symbology)
    }

    /// `;PAN[=…]?` — the PAN's digits. Payment cards were already taken out by the search.
    private static func track2(_ line: [Unicode.Scalar]) -> CardCode {
        guard let end = line.firstIndex(of: "?") else {
            return .invalid(.malformedTrack(track: 2, defect: .noEndSentinel))
        }
        let data = line[1..<end]
        let pan = data.prefix { $0 != "=" }
        guard pan.allSatisfy(isDigit) else { return .invalid(.malformedTrack(track: 2, defect: .nonDigitInPAN)) }
        guard (minimumDigits...19).contains(pan.count) else {
            return .invalid(.malformedTrack(track: 2, defect: .panLength))
        }
        return .loyalty(normalised: string(pan), symbology: .track2)
    }

    /// `%F PAN ^ NAME ^ …?` — the PAN field's digits (spaces inside it ignored).
    private static func track1(_ line: [Unicode.Scalar]) -> CardCode {
        guard let end = line.firstIndex(of: "?") else {
            return .invalid(.malformedTrack(track: 1, defect: .noEndSentinel))
        }
        guard end > 1, isUpperLetter(line[1]) else { return .invalid(.malformedTrack(track: 1, defect: .noFormatCode)) }
        guard let caret = line[2..<end].firstIndex(of: "^") else {
            return .invalid(.malformedTrack(track: 1, defect: .noFieldSeparator))
        }
        let field = line[2..<caret].filter { $0 != " " }
        guard field.allSatisfy(isDigit) else { return .invalid(.malformedTrack(track: 1, defect: .nonDigitInPAN)) }
        guard (minimumDigits...19).contains(field.count) else {
            return .invalid(.malformedTrack(track: 1, defect: .panLength))
        }
        return .loyalty(normalised: string(field), symbology: .track1)
    }

    /// A brand's PAN (range, length, Luhn) the retailer has not declared its own.
    private static func isPayment(_ digits: [Unicode.Scalar], _ exemptions: PaymentCardExemptions) -> Bool {
        guard PaymentCardRanges.lengths.contains(digits.count) else { return false }
        let values = digits.map { UInt8(truncatingIfNeeded: $0.value &- 48) }
        guard values.allSatisfy({ $0 <= 9 }), PaymentCardRanges.brand(of: values) != nil,
              luhnValid(string(digits)) else { return false }
        return !exemptions.exempts(digits)
    }

    /// True when the line holds a payment card anywhere in it: a track 2 or track 1 with a
    /// Luhn-valid PAN, or a brand's PAN in a group of digits (see rule 3).
    private static func containsPaymentCard(_ line: [Unicode.Scalar], _ exemptions: PaymentCardExemptions) -> Bool {
        if containsBrandPAN(line, exemptions) { return true }
        var i = 0
        while i < line.count {
            guard isDigit(line[i]) else { i += 1; continue }
            var j = i
            while j < line.count, isDigit(line[j]) { j += 1 }
            // Track 2: PAN '=' (YYMM | '=') SSS
            if (13...19).contains(j - i), j < line.count, line[j] == "=", luhnValid(string(line[i..<j])),
               !exemptions.exempts(line[i..<j]) {
                var k = j + 1
                if k < line.count, line[k] == "=" {
                    k += 1
                } else if k + 4 <= line.count, line[k..<k + 4].allSatisfy(isDigit) {
                    k += 4
                } else {
                    k = -1
                }
                if k >= 0, k + 3 <= line.count, line[k..<k + 3].allSatisfy(isDigit) { return true }
            }
            i = j
        }
        // Track 1: 'B' at the start or after '%', PAN (spaces allowed), '^'.
        for b in line.indices where line[b] == "B" && (b == 0 || line[b - 1] == "%") {
            var pan: [Unicode.Scalar] = []
            var k = b + 1
            while k < line.count, isDigit(line[k]) || line[k] == " " {
                if line[k] != " " { pan.append(line[k]) }
                k += 1
            }
            if k < line.count, line[k] == "^", (13...19).contains(pan.count), luhnValid(string(pan)),
               !exemptions.exempts(pan) { return true }
        }
        return false
    }

    /// Groups of digit runs joined by single spaces or dashes ("4111 1111 1111 1111"); every run
    /// of consecutive chunks in a group is tried, so a PAN typed after another number is found
    /// too. A group is bounded by anything else (a letter, `;`, `=`, `^`, `?`), so this also
    /// finds the PAN of a partial or unframed track. Chunks per group are few: quadratic is cheap.
    private static func containsBrandPAN(_ line: [Unicode.Scalar], _ exemptions: PaymentCardExemptions) -> Bool {
        var chunks: [Range<Int>] = []
        func check() -> Bool {
            defer { chunks.removeAll(keepingCapacity: true) }
            for first in chunks.indices {
                var digits: [Unicode.Scalar] = []
                for chunk in chunks[first...] {
                    digits += line[chunk]
                    if digits.count > PaymentCardRanges.lengths.upperBound { break }
                    if isPayment(digits, exemptions) { return true }
                }
            }
            return false
        }
        var i = 0
        while i < line.count {
            guard isDigit(line[i]) else { i += 1; continue }
            var j = i
            while j < line.count, isDigit(line[j]) { j += 1 }
            chunks.append(i..<j)
            // One space or dash between digits continues the group; anything else ends it.
            if j + 1 < line.count, line[j] == " " || line[j] == "-", isDigit(line[j + 1]) {
                i = j + 1
                continue
            }
            if check() { return true }
            i = j
        }
        return check()
    }

    private static func lengthProblem(_ count: Int) -> CardCodeProblem? {
        if count < minimumDigits { return .tooFewDigits(count: count, minimum: minimumDigits) }
        if count > maximumDigits { return .tooManyDigits(count: count, maximum: maximumDigits) }
        return nil
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 48 && s.value <= 57 }
    private static func isUpperLetter(_ s: Unicode.Scalar) -> Bool { s.value >= 65 && s.value <= 90 }
    /// C0 controls, DEL and C1 controls (Unicode general category Cc).
    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (s.value >= 0x7F && s.value <= 0x9F)
    }

    private static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars)
        return s
    }
}
