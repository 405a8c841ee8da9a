import WelkomIdentifiers

/// Turns the key presses of a keyboard-wedge scanner into codes, with the scanner's layout.
///
/// Fed either 8-byte HID boot keyboard reports (libusb) or single key presses (evdev). A code
/// ends at Enter, keypad Enter or Tab; the source also ends it after an inter-key gap
/// (`endOfCode()`), for scanners configured to send no terminator. A code longer than `limit`
/// characters is garbage: reported once, then skipped up to the next terminator.
struct KeystrokeDecoder {
    enum Event: Equatable {
        case code(String)
        case tooLong
        /// A key that types nothing in this layout (a function key, Ctrl+…) at this 1-based position.
        case unmappedKey(position: Int)
    }

    let layout: KeyboardLayout
    let limit: Int
    private var text: [Character] = []
    private var unmappedAt: Int?
    private var overflowing = false
    private var deadKey: Character?
    private var previousKeys: [UInt8] = []

    init(layout: KeyboardLayout, limit: Int = 256) {
        self.layout = layout
        self.limit = max(1, limit)
    }

    /// True while characters of an unfinished code are held (or skipped).
    var hasPartial: Bool { !text.isEmpty || overflowing || unmappedAt != nil || deadKey != nil }

    // MARK: Boot keyboard reports

    /// Modifier bits of a boot report's first byte.
    static let leftShift: UInt8 = 0x02
    static let rightShift: UInt8 = 0x20
    static let rightAlt: UInt8 = 0x40   // AltGr
    /// What a keyboard puts in every key slot when too many keys are down.
    static let rollOver: UInt8 = 0x01

    /// One boot report: modifiers, reserved, up to six usages of keys held down. Keys that were
    /// not down in the previous report are new presses, in slot order.
    mutating func bootReport(_ report: some Collection<UInt8>) -> [Event] {
        let bytes = Array(report)
        guard bytes.count >= 3 else { return [] }
        let keys = bytes[2...].filter { $0 != 0 }
        if keys.contains(Self.rollOver) { return [] }   // phantom state: wait for a clean report
        let modifiers = bytes[0]
        let shift = modifiers & (Self.leftShift | Self.rightShift) != 0
        let altGr = modifiers & Self.rightAlt != 0
        var events: [Event] = []
        for usage in keys where !previousKeys.contains(usage) {
            if let event = press(usage: usage, shift: shift, altGr: altGr) { events.append(event) }
        }
        previousKeys = Array(keys)
        return events
    }

    // MARK: Single presses

    static let enter: UInt8 = 0x28
    static let keypadEnter: UInt8 = 0x58
    static let tab: UInt8 = 0x2B
    /// Modifier keys' own usages (0xE0…0xE7): they change other keys and type nothing.
    static let modifierUsages: ClosedRange<UInt8> = 0xE0...0xE7

    mutating func press(usage: UInt8, shift: Bool, altGr: Bool) -> Event? {
        if usage == Self.enter || usage == Self.keypadEnter || usage == Self.tab { return endOfCode() }
        if Self.modifierUsages.contains(usage) { return nil }
        if overflowing { return nil }
        guard let c = layout.character(usage: usage, shift: shift, altGr: altGr) else {
            if unmappedAt == nil { unmappedAt = text.count + 1 }
            return nil
        }
        var typed: [Character] = [c]
        if let dead = deadKey {
            // US international: dead key + Space is the symbol alone; before anything else the
            // symbol stays and the key follows (no accented letter belongs in a card number).
            typed = c == " " ? [dead] : [dead, c]
            deadKey = nil
        } else if layout.deadKeys.contains(c) {
            deadKey = c
            return nil
        }
        text.append(contentsOf: typed)
        if text.count > limit {
            clear()
            overflowing = true
            return .tooLong
        }
        return nil
    }

    /// Ends the code held so far (a terminator, or the inter-key gap): the code, or nil when
    /// nothing was typed (or the over-long code was already reported).
    mutating func endOfCode() -> Event? {
        if let dead = deadKey { text.append(dead) }
        defer { clear() }
        if overflowing { return nil }
        if let position = unmappedAt { return .unmappedKey(position: position) }
        return text.isEmpty ? nil : .code(String(text))
    }

    private mutating func clear() {
        text.removeAll(keepingCapacity: true)
        unmappedAt = nil
        overflowing = false
        deadKey = nil
    }
}
