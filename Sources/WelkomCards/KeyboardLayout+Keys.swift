
/// What a key (a HID keyboard usage, page 0x07) types under each layout a scanner can be set to.
///
/// A keyboard-wedge scanner does not send characters: it presses keys, choosing them for the
/// layout it was configured with. A scanner set to AZERTY presses Shift+"1" for the digit 1,
/// and the same key without Shift types "&" — read with the wrong table, "HA112" becomes
/// "HA&&é". So the reader must decode with the scanner's layout, never the host's.
///
/// Written by hand from the XKB symbol files of each layout (us, us(intl), de, fr, be):
/// only the keys a barcode or stripe can contain (letters, digits, punctuation, keypad).
extension KeyboardLayout {
    /// One key's characters: plain, with Shift, with AltGr. Nil where the layout types nothing.
    struct Key: Sendable {
        var plain: Character?
        var shift: Character?
        var altGr: Character?
    }

    /// The character for `usage` with the given modifiers; nil for keys that type nothing here.
    func character(usage: UInt8, shift: Bool, altGr: Bool) -> Character? {
        guard let key = Self.tables[self]?[usage] else { return nil }
        if altGr { return key.altGr }
        return shift ? key.shift : key.plain
    }

    /// Dead keys of the layout (US international): typing one and then Space gives the
    /// character itself. Scanners set to US international send exactly that.
    var deadKeys: Set<Character> {
        self == .nl ? ["'", "\"", "`", "~", "^"] : []
    }

    // MARK: Tables

    private static let tables: [KeyboardLayout: [UInt8: Key]] = [
        .us: usKeys, .nl: usKeys, .de: deKeys, .fr: frKeys, .be: beKeys,
    ]

    private static func keys(_ entries: [(UInt8, Character?, Character?, Character?)]) -> [UInt8: Key] {
        var table: [UInt8: Key] = [:]
        for (usage, plain, shift, altGr) in entries { table[usage] = Key(plain: plain, shift: shift, altGr: altGr) }
        return table
    }

    /// Letters a…z on usages 0x04…0x1D, digits 1…9, 0 on 0x1E…0x27, keypad (Num Lock on).
    private static let common: [UInt8: Key] = {
        var table: [UInt8: Key] = [:]
        for (i, letter) in "abcdefghijklmnopqrstuvwxyz".enumerated() {
            table[UInt8(0x04 + i)] = Key(plain: letter, shift: Character(letter.uppercased()), altGr: nil)
        }
        table[0x2C] = Key(plain: " ", shift: " ", altGr: " ")
        for (i, digit) in "1234567890".enumerated() {
            table[UInt8(0x59 + i)] = Key(plain: digit, shift: digit, altGr: nil)   // keypad 1…9, 0
        }
        for (usage, c) in [(0x54, "/"), (0x55, "*"), (0x56, "-"), (0x57, "+"), (0x63, ".")] as [(UInt8, Character)] {
            table[usage] = Key(plain: c, shift: c, altGr: nil)
        }
        return table
    }()

    private static let usKeys: [UInt8: Key] = common.merging(keys([
        (0x1E, "1", "!", nil), (0x1F, "2", "@", nil), (0x20, "3", "#", nil), (0x21, "4", "$", nil),
        (0x22, "5", "%", nil), (0x23, "6", "^", nil), (0x24, "7", "&", nil), (0x25, "8", "*", nil),
        (0x26, "9", "(", nil), (0x27, "0", ")", nil),
        (0x2D, "-", "_", nil), (0x2E, "=", "+", nil), (0x2F, "[", "{", nil), (0x30, "]", "}", nil),
        (0x31, "\\", "|", nil), (0x32, "\\", "|", nil), (0x33, ";", ":", nil), (0x34, "'", "\"", nil),
        (0x35, "`", "~", nil), (0x36, ",", "<", nil), (0x37, ".", ">", nil), (0x38, "/", "?", nil),
        (0x64, "<", ">", nil),
    ])) { $1 }

    private static let deKeys: [UInt8: Key] = common.merging(keys([
        (0x1C, "z", "Z", nil), (0x1D, "y", "Y", nil),                          // QWERTZ
        (0x14, "q", "Q", "@"), (0x08, "e", "E", "€"), (0x10, "m", "M", "µ"),
        (0x1E, "1", "!", nil), (0x1F, "2", "\"", "²"), (0x20, "3", "§", "³"), (0x21, "4", "$", nil),
        (0x22, "5", "%", nil), (0x23, "6", "&", nil), (0x24, "7", "/", "{"), (0x25, "8", "(", "["),
        (0x26, "9", ")", "]"), (0x27, "0", "=", "}"),
        (0x2D, "ß", "?", "\\"), (0x2E, "´", "`", nil), (0x2F, "ü", "Ü", nil), (0x30, "+", "*", "~"),
        (0x31, "#", "'", nil), (0x32, "#", "'", nil), (0x33, "ö", "Ö", nil), (0x34, "ä", "Ä", nil),
        (0x35, "^", "°", nil), (0x36, ",", ";", nil), (0x37, ".", ":", nil), (0x38, "-", "_", nil),
        (0x64, "<", ">", "|"),
    ])) { $1 }

    /// AZERTY letters shared by fr and be: a↔q, z↔w, m on the US semicolon key.
    private static let azertyLetters: [(UInt8, Character?, Character?, Character?)] = [
        (0x04, "q", "Q", nil), (0x14, "a", "A", nil), (0x1A, "z", "Z", nil), (0x1D, "w", "W", nil),
        (0x33, "m", "M", nil), (0x08, "e", "E", "€"),
    ]

    // AZERTY digits need Shift: the plain top row types & é " ' ( - è _ ç à.
    private static let frKeys: [UInt8: Key] = common.merging(keys(azertyLetters + [
        (0x1E, "&", "1", nil), (0x1F, "é", "2", "~"), (0x20, "\"", "3", "#"), (0x21, "'", "4", "{"),
        (0x22, "(", "5", "["), (0x23, "-", "6", "|"), (0x24, "è", "7", "`"), (0x25, "_", "8", "\\"),
        (0x26, "ç", "9", "^"), (0x27, "à", "0", "@"),
        (0x2D, ")", "°", "]"), (0x2E, "=", "+", "}"), (0x2F, "^", "¨", nil), (0x30, "$", "£", "¤"),
        (0x31, "*", "µ", nil), (0x32, "*", "µ", nil), (0x34, "ù", "%", nil), (0x35, "²", nil, nil),
        (0x10, ",", "?", nil), (0x36, ";", ".", nil), (0x37, ":", "/", nil), (0x38, "!", "§", nil),
        (0x64, "<", ">", nil),
    ])) { $1 }

    private static let beKeys: [UInt8: Key] = common.merging(keys(azertyLetters + [
        (0x1E, "&", "1", "|"), (0x1F, "é", "2", "@"), (0x20, "\"", "3", "#"), (0x21, "'", "4", nil),
        (0x22, "(", "5", nil), (0x23, "§", "6", "^"), (0x24, "è", "7", nil), (0x25, "!", "8", nil),
        (0x26, "ç", "9", "{"), (0x27, "à", "0", "}"),
        (0x2D, ")", "°", nil), (0x2E, "-", "_", nil), (0x2F, "^", "¨", "["), (0x30, "$", "*", "]"),
        (0x31, "µ", "£", "`"), (0x32, "µ", "£", "`"), (0x34, "ù", "%", "´"), (0x35, "²", "³", nil),
        (0x10, ",", "?", nil), (0x36, ";", ".", nil), (0x37, ":", "/", nil), (0x38, "=", "+", "~"),
        (0x64, "<", ">", "\\"),
    ])) { $1 }
}
