/// The keyboard layout a keyboard-wedge scanner types in: its key codes are turned back
/// into characters with it (a scanner set to AZERTY sends different codes for digits).
/// The key tables are in KeyboardLayout+Keys.swift.
public enum KeyboardLayout: String, Sendable, Equatable, CaseIterable {
    case us
    /// US international, as Dutch scanners are usually set: dead keys for quotes and accents.
    case nl
    case de
    case fr
    case be
}
