import Foundation

/// Code page 858 (IBM PC Latin-1 with the euro sign at 0xD5), the table line displays offer
/// for Dutch and other Western European text. Written out here because Foundation on Linux has
/// no DOS code pages; the table is IBM's published one.
enum CodePage858 {
    /// The Unicode scalar of each byte 0x80…0xFF; bytes below 0x80 are ASCII.
    static let upperHalf: [UInt32] = [
        0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
        0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
        0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
        0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192,
        0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
        0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
        0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0,
        0x00A9, 0x2563, 0x2551, 0x2557, 0x255D, 0x00A2, 0x00A5, 0x2510,
        0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3,
        0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4,
        0x00F0, 0x00D0, 0x00CA, 0x00CB, 0x00C8, 0x20AC, 0x00CD, 0x00CE,
        0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580,
        0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE,
        0x00DE, 0x00DA, 0x00DB, 0x00D9, 0x00FD, 0x00DD, 0x00AF, 0x00B4,
        0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8,
        0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
    ]

    private static let byScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (i, scalar) in upperHalf.enumerated() { map[scalar] = UInt8(0x80 + i) }
        return map
    }()

    /// One byte per character: printable ASCII as is, what cp858 has from its table, a few
    /// look-alikes folded (curly quotes, dashes), anything else as "?". Control characters
    /// become spaces: text must never smuggle a command to the display.
    static func encode(_ text: String) -> [UInt8] {
        text.map { character -> UInt8 in
            guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1 else {
                // A composed character (e with a combining accent): try its precomposed form.
                let composed = Array(String(character).precomposedStringWithCanonicalMapping.unicodeScalars)
                return composed.count == 1 ? byte(composed[0].value) : UInt8(ascii: "?")
            }
            return byte(scalar.value)
        }
    }

    private static func byte(_ value: UInt32) -> UInt8 {
        switch value {
        case 0x20...0x7E: return UInt8(value)
        case 0x00..<0x20, 0x7F: return UInt8(ascii: " ")
        case 0x2018, 0x2019: return UInt8(ascii: "'")
        case 0x201C, 0x201D: return UInt8(ascii: "\"")
        case 0x2013, 0x2014: return UInt8(ascii: "-")
        case 0x2026: return UInt8(ascii: ".")
        default: return byScalar[value] ?? UInt8(ascii: "?")
        }
    }
}
