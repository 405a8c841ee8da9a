/// Linux input key codes (linux/input-event-codes.h) of the keys a scanner presses, mapped to
/// the HID keyboard usages the layouts are written in. Used when an event device sends no
/// MSC_SCAN with its key events (a PS/2 or Bluetooth scanner); USB scanners do send one.
enum EvdevKeys {
    static let leftShift: UInt16 = 42
    static let rightShift: UInt16 = 54
    static let rightAlt: UInt16 = 100   // AltGr

    static func usage(keyCode: UInt16) -> UInt8? { table[keyCode] }

    private static let table: [UInt16: UInt8] = {
        var t: [UInt16: UInt8] = [:]
        // KEY_1…KEY_0 = 2…11 → 0x1E…0x27; then - = Backspace Tab.
        for i in 0..<10 { t[UInt16(2 + i)] = UInt8(0x1E + i) }
        t[12] = 0x2D; t[13] = 0x2E; t[15] = 0x2B; t[28] = 0x28; t[57] = 0x2C
        // Letter rows by position: Q W E R T Y U I O P [ ], A S D F G H J K L ; ' `, \ Z X C V B N M , . /
        let rows: [(UInt16, [UInt8])] = [
            (16, [0x14, 0x1A, 0x08, 0x15, 0x17, 0x1C, 0x18, 0x0C, 0x12, 0x13, 0x2F, 0x30]),
            (30, [0x04, 0x16, 0x07, 0x09, 0x0A, 0x0B, 0x0D, 0x0E, 0x0F, 0x33, 0x34, 0x35]),
            (43, [0x31, 0x1D, 0x1B, 0x06, 0x19, 0x05, 0x11, 0x10, 0x36, 0x37, 0x38]),
        ]
        for (first, usages) in rows {
            for (i, usage) in usages.enumerated() { t[first + UInt16(i)] = usage }
        }
        // Keypad: 7 8 9 - 4 5 6 + 1 2 3 0 . (71…83), * (55), Enter (96), / (98); 102nd key (86).
        let keypad: [UInt8] = [0x5F, 0x60, 0x61, 0x56, 0x5C, 0x5D, 0x5E, 0x57, 0x59, 0x5A, 0x5B, 0x62, 0x63]
        for (i, usage) in keypad.enumerated() { t[UInt16(71 + i)] = usage }
        t[55] = 0x55; t[96] = 0x58; t[98] = 0x54; t[86] = 0x64
        return t
    }()
}
